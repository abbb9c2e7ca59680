'use strict';

// `make package` runs with no AWS credentials. The only AWS call osls makes while packaging is a CloudFormation
// DescribeStacks that checks whether the layer zip is already uploaded (to reuse its S3 key). With
// LUCKYMART_OFFLINE_PACKAGE=1 this plugin skips that check, so the layer is always treated as new. Deploys
// (the variable unset) keep the check.
class OfflinePackage {
  constructor(serverless) {
    this.hooks = {};
    if (process.env.LUCKYMART_OFFLINE_PACKAGE !== '1') return;
    this.hooks['before:package:compileLayers'] = () => {
      for (const plugin of serverless.pluginManager.getPlugins()) {
        if (typeof plugin.compareWithLastLayer === 'function') {
          plugin.compareWithLastLayer = async () => undefined;
        }
      }
    };
  }
}

module.exports = OfflinePackage;
