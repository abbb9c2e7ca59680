'use strict';

// Alarms, their recipients and the operator dashboard, generated from the packaged template (issue 17), so a
// function, a dead-letter queue or a web ACL added to serverless.yml gets its alarms without touching this file.
// Called by luckymart-plugin.js at `before:package:finalize`. Every alarm notifies the SNS topic `AlarmTopic`
// (declared in serverless.yml), which must have at least one recipient from config/<stage>.yml `alarms`; every
// AlarmDescription is the runbook line the recipient reads first.
//
//   function kind (from serverless.yml)   alarms
//   user (has a Function URL)             errors (unhandled + 5xx, rate), throttles, p99 duration near timeout
//   system (has events)                   errors (any), throttles, p99 duration near timeout
//   admin (neither)                       errors (any)
//   auto-lottery-draw, if present         schedule stopped (no run for 3 min), overdue draw, outbox stale
//   every SQS queue named *-dlq           not empty (unless serverless.yml already alarms on it)
//   every AWS::WAFv2::WebACL (REGIONAL)   blocked-request spike
const TOPIC = 'AlarmTopic';
const SERVICE = 'luckymart';
const SCHEDULER = 'auto-lottery-draw';
const DEFAULT_TIMEOUT = 6; // the framework's default, seconds

function pascal(text) {
  return text.replace(/(^|[^A-Za-z0-9])([A-Za-z0-9])/g, (_, __, c) => c.toUpperCase());
}

function functionKind(fn) {
  if (fn.url) return 'user';
  if ((fn.events || []).length) return 'system';
  return 'admin';
}

class Observability {
  constructor(serverless) {
    this.serverless = serverless;
    this.provider = serverless.getProvider('aws');
    this.service = serverless.service;
    this.stage = this.provider.getStage();
    this.namespace = `LuckyMart/${this.stage}`;
    this.resources = this.service.provider.compiledCloudFormationTemplate.Resources;
    this.settings = (this.service.custom.config || {}).alarms || {};
  }

  run() {
    this.allowTracing();
    this.subscribeRecipients();
    const alarms = {};
    const add = (id, properties) => {
      alarms[`Alarm${id}`] = {
        Type: 'AWS::CloudWatch::Alarm',
        Properties: {
          AlarmName: `luckymart-${this.stage}-${properties.name}`,
          AlarmDescription: properties.runbook,
          ActionsEnabled: true,
          AlarmActions: [{ Ref: TOPIC }],
          OKActions: [{ Ref: TOPIC }],
          TreatMissingData: 'notBreaching',
          ...properties.spec,
        },
      };
    };
    for (const name of this.service.getAllFunctions()) this.functionAlarms(name, add);
    this.schedulerAlarms(add);
    this.deadLetterAlarms(add);
    this.firewallAlarms(add);
    Object.assign(this.resources, alarms);
    this.resources.OperationsDashboard = this.dashboard();
  }

  // With `tracing: true` Lambda sends each invocation's segment to X-Ray, which needs these two actions on the
  // function's own role (the per-function roles do not inherit them). X-Ray has no resource-level permissions.
  allowTracing() {
    const tracing = this.service.provider.tracing || {};
    if (tracing.lambda !== true && tracing.lambda !== 'Active') return;
    for (const name of this.service.getAllFunctions()) {
      const fn = this.resources[this.provider.naming.getLambdaLogicalId(name)];
      const role = this.resources[fn.Properties.Role['Fn::GetAtt'][0]];
      role.Properties.Policies[0].PolicyDocument.Statement.push({
        Effect: 'Allow',
        Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
        Resource: '*',
      });
    }
  }

  subscribeRecipients() {
    if (!this.resources[TOPIC]) {
      throw new this.serverless.classes.Error(`observability: serverless.yml must declare the SNS topic ${TOPIC}`);
    }
    const recipients = [
      ...(this.settings.email || []).map((endpoint) => ['email', endpoint]),
      ...(this.settings.https || []).map((endpoint) => ['https', endpoint]),
    ];
    if (!recipients.length) {
      throw new this.serverless.classes.Error(
        `observability: config/${this.stage}.yml needs alarms.email or alarms.https (no alarm without a recipient)`
      );
    }
    recipients.forEach(([protocol, endpoint], index) => {
      this.resources[`AlarmTopicSubscription${index + 1}`] = {
        Type: 'AWS::SNS::Subscription',
        Properties: { TopicArn: { Ref: TOPIC }, Protocol: protocol, Endpoint: endpoint },
      };
    });
  }

  lambdaMetric(id, logicalId, metricName, stat, period) {
    return {
      Id: id,
      ReturnData: false,
      MetricStat: {
        Metric: {
          Namespace: 'AWS/Lambda',
          MetricName: metricName,
          Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId } }],
        },
        Period: period,
        Stat: stat,
      },
    };
  }

  customMetric(id, name, metricName, stat, period) {
    return {
      Id: id,
      ReturnData: false,
      MetricStat: {
        Metric: {
          Namespace: this.namespace,
          MetricName: metricName,
          Dimensions: [
            { Name: 'function', Value: name },
            { Name: 'service', Value: SERVICE },
          ],
        },
        Period: period,
        Stat: stat,
      },
    };
  }

  functionAlarms(name, add) {
    const fn = this.service.getFunction(name);
    const kind = functionKind(fn);
    const logicalId = this.provider.naming.getLambdaLogicalId(name);
    const id = pascal(name);
    const logs = `/aws/lambda/luckymart-${this.stage}-${name}`;
    // Unhandled errors (Lambda Errors) and handled 5xx (the layer's ServerErrors) together. A user function pages
    // at >= 3 errors and >= 5% of its invocations in 5 minutes; system and admin functions at any error.
    const minimum = kind === 'user' ? 3 : 1;
    const condition = kind === 'user' ? `errors >= ${minimum} AND 20 * errors >= invocations` : `errors >= ${minimum}`;
    add(`${id}Errors`, {
      name: `${name}-errors`,
      runbook:
        `${name} is failing (unhandled errors or 5xx). Open CloudWatch Logs ${logs}, filter level=ERROR, ` +
        'follow correlation_id; roll back (osls rollback) if it started with a deploy.',
      spec: {
        Metrics: [
          this.lambdaMetric('unhandled', logicalId, 'Errors', 'Sum', 300),
          this.customMetric('handled', name, 'ServerErrors', 'Sum', 300),
          this.lambdaMetric('calls', logicalId, 'Invocations', 'Sum', 300),
          { Id: 'errors', ReturnData: false, Expression: 'FILL(unhandled, 0) + FILL(handled, 0)' },
          { Id: 'invocations', ReturnData: false, Expression: 'FILL(calls, 0)' },
          { Id: 'paging', ReturnData: true, Label: 'errors over threshold', Expression: `IF(${condition}, 1, 0)` },
        ],
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      },
    });
    if (kind === 'admin') return;
    add(`${id}Throttles`, {
      name: `${name}-throttles`,
      runbook:
        `${name} is throttled: requests are refused. Check the account concurrency and the function's reserved ` +
        'concurrency (config/<stage>.yml); raise the limit or find the traffic spike.',
      spec: {
        Namespace: 'AWS/Lambda',
        MetricName: 'Throttles',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId } }],
        Statistic: 'Sum',
        Period: 300,
        EvaluationPeriods: 1,
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
      },
    });
    const timeout = fn.timeout || this.service.provider.timeout || DEFAULT_TIMEOUT;
    add(`${id}Duration`, {
      name: `${name}-p99-near-timeout`,
      runbook:
        `${name} p99 duration is above 80% of its ${timeout} s timeout: requests are about to time out. Check ` +
        'database latency (slow SQL, locks) and PostgREST health; see docs/observability.md.',
      spec: {
        Namespace: 'AWS/Lambda',
        MetricName: 'Duration',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId } }],
        ExtendedStatistic: 'p99',
        Period: 300,
        EvaluationPeriods: 2,
        Threshold: Math.round(timeout * 1000 * 0.8),
        ComparisonOperator: 'GreaterThanThreshold',
      },
    });
  }

  schedulerAlarms(add) {
    if (!this.service.getAllFunctions().includes(SCHEDULER)) return;
    const metric = (metricName) => ({
      Namespace: this.namespace,
      MetricName: metricName,
      Dimensions: [
        { Name: 'function', Value: SCHEDULER },
        { Name: 'service', Value: SERVICE },
      ],
    });
    add('SchedulerStopped', {
      name: 'scheduler-stopped',
      runbook:
        'auto-lottery-draw has not completed a run for 3 minutes: no draws, expiries or outbox re-publishes. ' +
        'Check its EventBridge rule is enabled and its logs for errors; `luckymart-admin health` shows the last run.',
      spec: {
        ...metric('SchedulerRuns'),
        Statistic: 'Sum',
        Period: 60,
        EvaluationPeriods: 3,
        Threshold: 1,
        ComparisonOperator: 'LessThanThreshold',
        TreatMissingData: 'breaching',
      },
    });
    add('DrawOverdue', {
      name: 'draw-overdue',
      runbook:
        'A SOLD_OUT lottery is more than 5 minutes past its draw_time. Check auto-lottery-draw logs ("draw failed"), ' +
        'then draw it by hand: `luckymart-admin lotteries draw <lottery_id>`.',
      spec: {
        ...metric('OverdueDrawAge'),
        Statistic: 'Maximum',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 300,
        ComparisonOperator: 'GreaterThanThreshold',
      },
    });
    add('CommissionOutboxStale', {
      name: 'commission-outbox-stale',
      runbook:
        'A paid order has waited more than 5 minutes for its commissions. Check process-commissions errors and ' +
        'throttles, the commission queue and its DLQ (`luckymart-admin health`, `commissions dlq-list`).',
      spec: {
        ...metric('OutboxOldestAge'),
        Statistic: 'Maximum',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 300,
        ComparisonOperator: 'GreaterThanThreshold',
      },
    });
    // the scheduler's proof-tagging sweep found a deposit's payment proof gone from the uploads bucket
    add('DepositProofMissing', {
      name: 'deposit-proof-missing',
      runbook:
        'A payment proof of a filed deposit is no longer in the uploads bucket (expired before it was tagged, or ' +
        'deleted). Find the deposit in auto-lottery-draw\'s "payment proof is gone" log line and ask the user for ' +
        'the proof again before approving it; check the bucket\'s lifecycle rule and S3 errors in the same logs.',
      spec: {
        ...metric('ProofsMissing'),
        Statistic: 'Sum',
        Period: 300,
        EvaluationPeriods: 1,
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
      },
    });
  }

  deadLetterAlarms(add) {
    const existing = Object.values(this.resources)
      .filter((resource) => resource.Type === 'AWS::CloudWatch::Alarm')
      .map((resource) => JSON.stringify(resource));
    for (const [logicalId, resource] of Object.entries(this.resources)) {
      if (resource.Type !== 'AWS::SQS::Queue') continue;
      const queueName = (resource.Properties || {}).QueueName;
      if (typeof queueName !== 'string' || !queueName.endsWith('-dlq')) continue;
      if (existing.some((alarm) => alarm.includes(`"${logicalId}"`))) continue; // serverless.yml already has one
      add(`${logicalId}NotEmpty`, {
        name: `${queueName.replace(/^luckymart-[^-]+-/, '')}-not-empty`,
        runbook:
          `Messages failed 5 times and landed in ${queueName}. Find the cause in the consumer's logs, fix it, ` +
          'then replay (`luckymart-admin commissions dlq-replay` / `notifications dlq-replay`).',
        spec: {
          Namespace: 'AWS/SQS',
          MetricName: 'ApproximateNumberOfMessagesVisible',
          Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId, 'QueueName'] } }],
          Statistic: 'Maximum',
          Period: 60,
          EvaluationPeriods: 1,
          Threshold: 0,
          ComparisonOperator: 'GreaterThanThreshold',
        },
      });
    }
  }

  firewallAlarms(add) {
    // Only a REGIONAL web ACL reports in this stack's region; a CLOUDFRONT one reports in us-east-1, where an
    // alarm has to live in that region's stack (docs/observability.md).
    const threshold = this.settings.wafBlockedPer5Minutes || 500;
    for (const [logicalId, resource] of Object.entries(this.resources)) {
      if (resource.Type !== 'AWS::WAFv2::WebACL') continue;
      const properties = resource.Properties || {};
      if (properties.Scope !== 'REGIONAL' || typeof properties.Name !== 'string') continue;
      add(`${logicalId}BlockedSpike`, {
        name: `${properties.Name}-blocked-spike`,
        runbook:
          `The web ACL ${properties.Name} blocked more than ${threshold} requests in 5 minutes: an attack or a ` +
          'rule blocking real users. Check sampled requests in the WAF console before changing rules.',
        spec: {
          Namespace: 'AWS/WAFV2',
          MetricName: 'BlockedRequests',
          Dimensions: [
            { Name: 'WebACL', Value: properties.Name },
            { Name: 'Rule', Value: 'ALL' },
            { Name: 'Region', Value: { Ref: 'AWS::Region' } },
          ],
          Statistic: 'Sum',
          Period: 300,
          EvaluationPeriods: 1,
          Threshold: threshold,
          ComparisonOperator: 'GreaterThanThreshold',
        },
      });
    }
  }

  dashboard() {
    const ns = this.namespace;
    const fnPrefix = `luckymart-${this.stage}-`;
    // a dashboard's `metrics` is a list of rows; an expression row is [{expression, label, id}]
    const search = (expression, stat, period, label) => [
      [{ expression: `SEARCH('${expression}', '${stat}', ${period})`, label, id: label.replace(/\W/g, '').toLowerCase() }],
    ];
    const custom = (metricName, dims, stat, period) =>
      search(`{${ns},${dims}} MetricName="${metricName}"`, stat, period, metricName);
    const widget = (title, metrics, x, y, extra = {}) => ({
      type: 'metric',
      x,
      y,
      width: 8,
      height: 6,
      properties: { title, region: '${AWS::Region}', view: 'timeSeries', stat: 'Sum', period: 3600, metrics, ...extra },
    });
    const lambda = (metricName, stat) =>
      search(`{AWS/Lambda,FunctionName} MetricName="${metricName}" ${fnPrefix}`, stat, 300, `${metricName}${stat}`);
    const widgets = [
      widget('Tickets sold per hour (by currency)', custom('TicketsSold', 'currency,function,service', 'Sum', 3600), 0, 0),
      widget('GMV per hour, in cents (by currency)', custom('GMVCents', 'currency,function,service', 'Sum', 3600), 8, 0),
      widget(
        'Money in / out per hour, in cents (approved)',
        [
          ...custom('DepositsApprovedAmountCents', 'currency,function,service', 'Sum', 3600),
          ...custom('WithdrawalsApprovedAmountCents', 'currency,function,service', 'Sum', 3600),
        ],
        16,
        0
      ),
      widget('Draw delay (s, max)', custom('DrawDelay', 'function,service', 'Maximum', 300), 0, 6, { period: 300 }),
      widget('Commission lag (s, p99)', custom('CommissionLag', 'function,service', 'p99', 300), 8, 6, { period: 300 }),
      widget(
        'Backlog: overdue draw / outbox age (s)',
        [
          ...custom('OverdueDrawAge', 'function,service', 'Maximum', 60),
          ...custom('OutboxOldestAge', 'function,service', 'Maximum', 60),
        ],
        16,
        6,
        { period: 60 }
      ),
      widget('Errors per function (5 min)', [...lambda('Errors', 'Sum'), ...custom('ServerErrors', 'function,service', 'Sum', 300)], 0, 12, { period: 300 }),
      widget('Latency p50 per function (ms)', lambda('Duration', 'p50'), 8, 12, { period: 300 }),
      widget('Latency p99 per function (ms)', lambda('Duration', 'p99'), 16, 12, { period: 300 }),
      widget(
        'Refusals and sign-ins per hour',
        [
          ...custom('PurchasesRefused', 'function,reason,service', 'Sum', 3600),
          ...custom('SignIns', 'function,service', 'Sum', 3600),
        ],
        0,
        18
      ),
      widget(
        'Dead-letter queues (visible)',
        search(`{AWS/SQS,QueueName} MetricName="ApproximateNumberOfMessagesVisible" ${fnPrefix} dlq`, 'Maximum', 60, 'DLQ'),
        8,
        18,
        { period: 60 }
      ),
      widget('Cold starts per hour', custom('ColdStart', 'function,service', 'Sum', 3600), 16, 18),
    ];
    return {
      Type: 'AWS::CloudWatch::Dashboard',
      Properties: {
        DashboardName: `luckymart-${this.stage}`,
        DashboardBody: { 'Fn::Sub': JSON.stringify({ widgets }) },
      },
    };
  }
}

module.exports = { Observability, functionKind };
