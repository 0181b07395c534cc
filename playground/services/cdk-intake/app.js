// intake: uploads to an encrypted-by-KMS pipeline. An S3 bucket notifies an ingest function of
// new objects; a scheduled EventBridge rule starts a Step Functions state machine that invokes
// a scoring function and records the result in a DynamoDB table; failures go to an SNS topic
// that feeds an SQS queue (with a DLQ). Plain JavaScript (CommonJS).
const cdk = require('aws-cdk-lib');
const s3 = require('aws-cdk-lib/aws-s3');
const s3n = require('aws-cdk-lib/aws-s3-notifications');
const lambda = require('aws-cdk-lib/aws-lambda');
const logs = require('aws-cdk-lib/aws-logs');
const sqs = require('aws-cdk-lib/aws-sqs');
const sns = require('aws-cdk-lib/aws-sns');
const subs = require('aws-cdk-lib/aws-sns-subscriptions');
const kms = require('aws-cdk-lib/aws-kms');
const dynamodb = require('aws-cdk-lib/aws-dynamodb');
const events = require('aws-cdk-lib/aws-events');
const targets = require('aws-cdk-lib/aws-events-targets');
const sfn = require('aws-cdk-lib/aws-stepfunctions');
const tasks = require('aws-cdk-lib/aws-stepfunctions-tasks');

class IntakeStack extends cdk.Stack {
  constructor(scope, id, props) {
    super(scope, id, props);
    const key = new kms.Key(this, 'DataKey', {
      enableKeyRotation: true,
      description: 'intake data key',
      removalPolicy: cdk.RemovalPolicy.DESTROY,
    });
    key.addAlias(`alias/intake-${props.stage}`);

    const uploads = new s3.Bucket(this, 'Uploads', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      removalPolicy: cdk.RemovalPolicy.DESTROY,
    });

    const dlq = new sqs.Queue(this, 'FailuresDlq', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: key,
      retentionPeriod: cdk.Duration.days(14),
    });
    const failuresQueue = new sqs.Queue(this, 'Failures', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: key,
      deadLetterQueue: { queue: dlq, maxReceiveCount: 5 },
    });
    const topic = new sns.Topic(this, 'FailureTopic', {
      displayName: process.env.INTAKE_TOPIC_NAME || 'Intake failures',
    });
    topic.addSubscription(new subs.SqsSubscription(failuresQueue));

    const ingest = new lambda.Function(this, 'Ingest', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromAsset(`${__dirname}/lambda`),
      memorySize: Number(process.env.INTAKE_MEMORY_MB || 128),
      logRetention: logs.RetentionDays.ONE_WEEK,
      environment: { TOPIC_ARN: topic.topicArn },
    });
    topic.grantPublish(ingest);
    uploads.grantRead(ingest);
    uploads.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.LambdaDestination(ingest),
      { prefix: 'incoming/' });

    const scoreLogs = new logs.LogGroup(this, 'ScoreLogs', {
      retention: logs.RetentionDays.TWO_WEEKS,
      removalPolicy: cdk.RemovalPolicy.DESTROY,
    });
    const score = new lambda.Function(this, 'Score', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromAsset(`${__dirname}/lambda`),
      logGroup: scoreLogs,
      timeout: cdk.Duration.seconds(20),
    });

    const results = new dynamodb.Table(this, 'Results', {
      partitionKey: { name: 'runId', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      removalPolicy: cdk.RemovalPolicy.DESTROY,
    });

    const invoke = new tasks.LambdaInvoke(this, 'ScoreBatch', {
      lambdaFunction: score,
      resultSelector: { 'score.$': '$.Payload.ok' },
      resultPath: '$.result',
    });
    const put = new tasks.DynamoPutItem(this, 'RecordResult', {
      table: results,
      item: {
        runId: tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$$.Execution.Name')),
      },
      resultPath: sfn.JsonPath.DISCARD,
    });
    const machine = new sfn.StateMachine(this, 'Nightly', {
      definitionBody: sfn.DefinitionBody.fromChainable(invoke.next(put)),
      timeout: cdk.Duration.minutes(5),
    });

    new events.Rule(this, 'NightlySchedule', {
      schedule: events.Schedule.cron({ minute: '0', hour: process.env.INTAKE_HOUR || '3' }),
      targets: [new targets.SfnStateMachine(machine)],
    });

    new cdk.CfnOutput(this, 'BucketName', { value: uploads.bucketName });
    new cdk.CfnOutput(this, 'StateMachineArn', { value: machine.stateMachineArn });
    new cdk.CfnOutput(this, 'TopicArn', { value: topic.topicArn });
    new cdk.CfnOutput(this, 'KeyArn', { value: key.keyArn });
  }
}

const app = new cdk.App();
const stage = app.node.tryGetContext('stage') || 'dev';
new IntakeStack(app, `intake-${stage}`, { stage });
