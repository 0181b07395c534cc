// static-site: a static website as a platform team ships it. A private, encrypted S3 bucket
// holds the site; a CloudFront distribution serves it through an Origin Access Control, with a
// CloudFront Function on viewer requests (index documents, a normalised language header), a
// response headers policy (security headers and a release header) and a WAFv2 web ACL (scope
// CLOUDFRONT, AWS managed rule groups). A Route 53 hosted zone answers www with alias records
// to the distribution; a nested stack holds the access-log bucket; an alarm watches the
// distribution's 5xx rate. Plain JavaScript (CommonJS), as playground/cdk-demo.
//
// No BucketDeployment: its custom resource runs the AWS CLI from a Lambda layer, which the
// offline sandbox cannot execute; the site's content is published by the pipeline's own
// `aws s3 sync` after the deploy. No ACM certificate either: the zone is new, so a DNS-validated
// certificate would wait for a delegation the first deploy cannot have.
const cdk = require('aws-cdk-lib');
const s3 = require('aws-cdk-lib/aws-s3');
const cloudfront = require('aws-cdk-lib/aws-cloudfront');
const origins = require('aws-cdk-lib/aws-cloudfront-origins');
const wafv2 = require('aws-cdk-lib/aws-wafv2');
const route53 = require('aws-cdk-lib/aws-route53');
const r53targets = require('aws-cdk-lib/aws-route53-targets');
const cloudwatch = require('aws-cdk-lib/aws-cloudwatch');

// The access-log bucket, a stack of its own so that log retention is owned apart from the site.
class AccessLogsStack extends cdk.NestedStack {
  constructor(scope, id, props) {
    super(scope, id, props);
    this.bucket = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      // CloudFront standard logs are written with an ACL grant: the bucket must allow ACLs.
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: cdk.Duration.days(90) }],
      removalPolicy: cdk.RemovalPolicy.DESTROY,
    });
  }
}

const REWRITE = `
function handler(event) {
  var request = event.request;
  if (request.uri.endsWith('/')) {
    request.uri += 'index.html';
  } else if (!request.uri.includes('.')) {
    request.uri += '/index.html';
  }
  var lang = request.headers['accept-language'];
  var primary = lang ? lang.value.split(',')[0].split('-')[0].toLowerCase() : 'en';
  request.headers['x-site-lang'] = { value: ['en', 'de', 'fr'].indexOf(primary) >= 0 ? primary : 'en' };
  delete request.headers['accept-language'];
  return request;
}
`;

class StaticSiteStack extends cdk.Stack {
  constructor(scope, id, props) {
    super(scope, id, props);
    const { stage, domain } = props;

    const site = new s3.Bucket(this, 'SiteContent', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      removalPolicy: cdk.RemovalPolicy.DESTROY,
    });

    const logs = new AccessLogsStack(this, 'Logs');

    const rewrite = new cloudfront.Function(this, 'ViewerRewrite', {
      comment: 'index documents and a normalised language header',
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      code: cloudfront.FunctionCode.fromInline(REWRITE),
    });

    const headers = new cloudfront.ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: `static-site ${stage} security headers`,
      securityHeadersBehavior: {
        strictTransportSecurity: {
          accessControlMaxAge: cdk.Duration.days(365), includeSubdomains: true, override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: {
          referrerPolicy: cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN,
          override: true,
        },
      },
      customHeadersBehavior: {
        customHeaders: [
          { header: 'x-site-release', value: process.env.SITE_RELEASE || '2026.12.1', override: true },
        ],
      },
    });

    const managedRule = (name, priority) => ({
      name,
      priority,
      overrideAction: { none: {} },
      statement: { managedRuleGroupStatement: { vendorName: 'AWS', name } },
      visibilityConfig: {
        cloudWatchMetricsEnabled: true, metricName: name, sampledRequestsEnabled: true,
      },
    });
    const webAcl = new wafv2.CfnWebACL(this, 'EdgeAcl', {
      scope: 'CLOUDFRONT',
      defaultAction: { allow: {} },
      visibilityConfig: {
        cloudWatchMetricsEnabled: true, metricName: `static-site-${stage}`, sampledRequestsEnabled: true,
      },
      rules: [
        managedRule('AWSManagedRulesCommonRuleSet', 0),
        managedRule('AWSManagedRulesKnownBadInputsRuleSet', 1),
      ],
    });

    const distribution = new cloudfront.Distribution(this, 'Cdn', {
      comment: `static-site ${stage}`,
      defaultRootObject: 'index.html',
      priceClass: process.env.SITE_PRICE_CLASS === 'ALL'
        ? cloudfront.PriceClass.PRICE_CLASS_ALL : cloudfront.PriceClass.PRICE_CLASS_100,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      webAclId: webAcl.attrArn,
      enableLogging: true,
      logBucket: logs.bucket,
      logFilePrefix: 'cdn/',
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(site),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: headers,
        compress: true,
        functionAssociations: [
          { function: rewrite, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST },
        ],
      },
      errorResponses: [
        { httpStatus: 404, responseHttpStatus: 404, responsePagePath: '/404.html' },
      ],
    });

    const zone = new route53.PublicHostedZone(this, 'Zone', {
      zoneName: domain,
      comment: `static-site ${stage}`,
    });
    const target = route53.RecordTarget.fromAlias(new r53targets.CloudFrontTarget(distribution));
    new route53.ARecord(this, 'WwwA', { zone, recordName: 'www', target });
    new route53.AaaaRecord(this, 'WwwAaaa', { zone, recordName: 'www', target });

    new cloudwatch.Alarm(this, 'Cdn5xx', {
      alarmDescription: 'more than 5% of requests answered 5xx for 15 minutes',
      metric: distribution.metric5xxErrorRate({ period: cdk.Duration.minutes(5) }),
      threshold: 5,
      evaluationPeriods: 3,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    new cdk.CfnOutput(this, 'BucketName', { value: site.bucketName });
    new cdk.CfnOutput(this, 'DistributionId', { value: distribution.distributionId });
    new cdk.CfnOutput(this, 'DistributionDomain', { value: distribution.distributionDomainName });
    new cdk.CfnOutput(this, 'NameServers', { value: cdk.Fn.join(',', zone.hostedZoneNameServers) });
  }
}

const app = new cdk.App();
const stage = app.node.tryGetContext('stage') || 'dev';
const domain = app.node.tryGetContext('domain') || `${stage}.static-site.example.org`;
// A CLOUDFRONT-scoped web ACL, and CloudFront's own metrics, exist only in us-east-1.
new StaticSiteStack(app, `static-site-${stage}`, {
  stage,
  domain,
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: 'us-east-1' },
});
