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
// 3. Observability: alarms for every function, DLQ and web ACL, their SNS recipients and the dashboard
//    (observability.js, issue 17).
const { Observability } = require('./observability');

const SHARED_ROLE = 'IamRoleLambdaExecution';

class LuckyMartPlugin {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = {
      'before:package:compileLayers': () => this.skipDeployedLayerLookup(),
      'before:package:finalize': () => this.dropUnusedSharedRole(),
      // after serverless.yml's own resources are merged in: the alarms see its queues, web ACLs and topic
      'after:aws:package:finalize:mergeCustomProviderResources': () => new Observability(serverless).run(),
    };
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
