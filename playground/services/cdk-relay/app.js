// relay: a FIFO queue (with a FIFO dead-letter queue) feeds a Lambda function in order; the
// function also answers on a function URL (IAM auth); an Express Step Functions state machine
// with its own CloudWatch log group fans a request into the queue. Plain JavaScript (CommonJS),
// using playground/cdk-demo's pinned aws-cdk and aws-cdk-lib (node_modules is a link).
// Written for autofix's acceptance tests (issue 18); not derived from the corpus.
const cdk = require('aws-cdk-lib');
const lambda = require('aws-cdk-lib/aws-lambda');
const logs = require('aws-cdk-lib/aws-logs');
const sqs = require('aws-cdk-lib/aws-sqs');
const sfn = require('aws-cdk-lib/aws-stepfunctions');
const tasks = require('aws-cdk-lib/aws-stepfunctions-tasks');
const { SqsEventSource } = require('aws-cdk-lib/aws-lambda-event-sources');

class RelayStack extends cdk.Stack {
  constructor(scope, id, props) {
    super(scope, id, props);
    const dead = new sqs.Queue(this, 'DeadLetters', {
      fifo: true,
      retentionPeriod: cdk.Duration.days(14),
    });
    const inbox = new sqs.Queue(this, 'Inbox', {
      fifo: true,
      contentBasedDeduplication: true,
      visibilityTimeout: cdk.Duration.seconds(60),
      deadLetterQueue: { queue: dead, maxReceiveCount: 3 },
    });

    const handler = new lambda.Function(this, 'Relay', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline(
        'exports.handler = async (event) => ({ statusCode: 200, body: JSON.stringify(event.Records ? event.Records.length : 0) });'),
      // A later deploy changes it (autofix.toml's update rehearsal).
      memorySize: Number(process.env.RELAY_MEMORY_MB || 128),
      timeout: cdk.Duration.seconds(30),
    });
    handler.addEventSource(new SqsEventSource(inbox, { batchSize: 5 }));
    const url = handler.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.AWS_IAM });

    const runs = new logs.LogGroup(this, 'RelayRuns', {
      retention: Number(process.env.RELAY_LOG_DAYS || 7),
      removalPolicy: cdk.RemovalPolicy.DESTROY,
    });
    const enqueue = new tasks.SqsSendMessage(this, 'Enqueue', {
      queue: inbox,
      messageBody: sfn.TaskInput.fromJsonPathAt('$'),
      messageGroupId: 'relay',
    });
    const machine = new sfn.StateMachine(this, 'Fanout', {
      stateMachineType: sfn.StateMachineType.EXPRESS,
      definitionBody: sfn.DefinitionBody.fromChainable(enqueue),
      logs: { destination: runs, level: sfn.LogLevel.ERROR },
    });
    new cdk.CfnOutput(this, 'FunctionUrl', { value: url.url });
    new cdk.CfnOutput(this, 'StateMachineArn', { value: machine.stateMachineArn });
  }
}

const app = new cdk.App();
const stage = app.node.tryGetContext('stage') || 'dev';
new RelayStack(app, `relay-${stage}`);
