// A CDK app for autofix to find deploy policies for: a function behind an HTTP API, and a
// queue the function sends to. Plain JavaScript (CommonJS): `cdk synth` runs it with node
// directly, with no TypeScript compile step or ts-node start-up on every attempt.
const cdk = require('aws-cdk-lib');
const apigwv2 = require('aws-cdk-lib/aws-apigatewayv2');
const { HttpLambdaIntegration } = require('aws-cdk-lib/aws-apigatewayv2-integrations');
const lambda = require('aws-cdk-lib/aws-lambda');
const sqs = require('aws-cdk-lib/aws-sqs');

class DemoStack extends cdk.Stack {
  constructor(scope, id, props) {
    super(scope, id, props);
    const queue = new sqs.Queue(this, 'Orders', {
      visibilityTimeout: cdk.Duration.seconds(30),
    });
    const handler = new lambda.Function(this, 'Hello', {
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: lambda.Code.fromAsset(`${__dirname}/lambda`),
      memorySize: Number(process.env.DEMO_MEMORY_SIZE || 128),
      environment: { QUEUE_URL: queue.queueUrl, GREETING: process.env.DEMO_GREETING || 'hello' },
    });
    queue.grantSendMessages(handler);
    const api = new apigwv2.HttpApi(this, 'Api', {
      defaultIntegration: new HttpLambdaIntegration('HelloIntegration', handler),
    });
    new cdk.CfnOutput(this, 'ApiUrl', { value: api.apiEndpoint });
  }
}

const app = new cdk.App();
const stage = app.node.tryGetContext('stage') || 'dev';
new DemoStack(app, `autofix-cdk-demo-${stage}`);
