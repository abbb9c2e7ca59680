'use strict';

// Project plugin for osls, listed after serverless-iam-roles-per-function in serverless.yml.
//
// 1. Offline packaging. `make package` runs with no AWS credentials; the only AWS call osls makes while
//    packaging is a CloudFormation DescribeStacks that checks whether the layer zip is already uploaded (to reuse
//    its S3 key). With LUCKYMART_OFFLINE_PACKAGE=1 that check is skipped and the layer is treated as new.
//    Deploys (variable unset) keep the check.
// 2. Least privilege. Every function gets its own role from the per-function-role plugin, which copies the
//    framework's shared role as a template and leaves it behind; the shared role (logs of every function, the
//    queue) is removed once nothing refers to it.
// 3. The front door (frontdoor.js, docs/deploy-frontdoor.md): from the functions that have a URL, the CloudFront
//    distribution, its router and cache policy, and each user function's origin-check settings and SSM grant.
// 4. Observability: alarms for every function, DLQ and web ACL, their SNS recipients and the dashboard
//    (observability.js, issue 17).
const { frontDoorResources, userFunctionAdditions } = require('./frontdoor');
const { Observability } = require('./observability');

const SHARED_ROLE = 'IamRoleLambdaExecution';

class LuckyMartPlugin {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = {
      'before:package:compileLayers': () => this.skipDeployedLayerLookup(),
      // before the per-function-role plugin (before:package:finalize) turns statements into roles
      'before:package:compileFunctions': () => this.prepareUserFunctions(),
      'before:package:finalize': () => {
        this.dropUnusedSharedRole();
        this.addFrontDoor();
      },
      // after serverless.yml's own resources are merged in: the alarms see its queues, web ACLs and topic
      'after:aws:package:finalize:mergeCustomProviderResources': () => new Observability(serverless).run(),
    };
  }

  userFunctionNames() {
    const service = this.serverless.service;
    return service.getAllFunctions().filter((name) => Boolean(service.getFunction(name).url));
  }

  frontDoorInput() {
    const custom = this.serverless.service.custom;
    return { settings: custom.config.frontDoor, ssmPrefix: custom.ssmPrefix, frontDoor: custom.frontDoor || {} };
  }

  prepareUserFunctions() {
    const { settings, ssmPrefix } = this.frontDoorInput();
    const additions = userFunctionAdditions({ settings, ssmPrefix });
    for (const name of this.userFunctionNames()) {
      const fn = this.serverless.service.getFunction(name);
      // New objects: functions built from one YAML anchor share its arrays.
      fn.environment = { ...(fn.environment || {}), ...additions.environment };
      fn.iamRoleStatements = [...(fn.iamRoleStatements || []), ...additions.statements];
    }
  }

  addFrontDoor() {
    const { settings, ssmPrefix, frontDoor } = this.frontDoorInput();
    if (process.env.LUCKYMART_OFFLINE_PACKAGE !== '1' && /set-me/.test(settings.webAclArn)) {
      throw new Error('front door: set frontDoor.webAclArn in config/<stage>.yml first (make deploy-edge)');
    }
    const provider = this.serverless.getProvider('aws');
    const template = this.serverless.service.provider.compiledCloudFormationTemplate;
    const userFunctions = this.userFunctionNames().map((name) => ({
      name,
      functionLogicalId: provider.naming.getLambdaLogicalId(name),
      urlLogicalId: provider.naming.getLambdaFunctionUrlLogicalId(name),
    }));
    for (const fn of userFunctions) {
      for (const id of [fn.functionLogicalId, fn.urlLogicalId]) {
        if (!template.Resources[id]) throw new Error(`front door: no resource ${id} for ${fn.name}`);
      }
    }
    const { resources, outputs } = frontDoorResources({
      stage: provider.getStage(),
      supabaseUrl: this.serverless.service.custom.config.supabaseUrl,
      ssmPrefix,
      settings,
      userFunctions,
      aliases: frontDoor.aliases,
      cachedFunctions: frontDoor.cachedFunctions,
    });
    Object.assign(template.Resources, resources);
    Object.assign(template.Outputs, outputs);
  }

  skipDeployedLayerLookup() {
    if (process.env.LUCKYMART_OFFLINE_PACKAGE !== '1') return;
    for (const plugin of this.serverless.pluginManager.getPlugins()) {
      if (typeof plugin.compareWithLastLayer === 'function') {
        plugin.compareWithLastLayer = async () => undefined;
      }
    }
  }

  dropUnusedSharedRole() {
    const resources = this.serverless.service.provider.compiledCloudFormationTemplate.Resources;
    if (!resources[SHARED_ROLE]) return;
    const others = Object.entries(resources).filter(([name]) => name !== SHARED_ROLE);
    const referenced = others.some(([, resource]) => JSON.stringify(resource).includes(`"${SHARED_ROLE}"`));
    if (!referenced) delete resources[SHARED_ROLE];
  }
}

module.exports = LuckyMartPlugin;
