// ledger: a Step Functions state machine records each ledger entry in a DynamoDB table and,
// when the write fails, publishes an alert to an SNS topic. Plain JavaScript (CommonJS), like
// playground/cdk-demo, whose pinned aws-cdk and aws-cdk-lib it uses (node_modules is a link).
// Written for autofix's acceptance tests (issues 18, 20); not derived from the corpus.
const cdk = require('aws-cdk-lib');
const dynamodb = require('aws-cdk-lib/aws-dynamodb');
const sns = require('aws-cdk-lib/aws-sns');
const sfn = require('aws-cdk-lib/aws-stepfunctions');
const tasks = require('aws-cdk-lib/aws-stepfunctions-tasks');

class LedgerStack extends cdk.Stack {
  constructor(scope, id, props) {
    super(scope, id, props);
    const entries = new dynamodb.Table(this, 'Entries', {
      partitionKey: { name: 'accountId', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'entryId', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      removalPolicy: cdk.RemovalPolicy.DESTROY, // a stage's table goes with its stack
    });
    const alerts = new sns.Topic(this, 'Alerts', {
      // A later deploy changes it (autofix.toml's update rehearsal).
      displayName: process.env.LEDGER_ALERTS_NAME || 'Ledger alerts',
    });

    const record = new tasks.DynamoPutItem(this, 'RecordEntry', {
      table: entries,
      item: {
        accountId: tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$.accountId')),
        entryId: tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$.entryId')),
        amount: tasks.DynamoAttributeValue.numberFromString(sfn.JsonPath.stringAt('$.amount')),
      },
      resultPath: sfn.JsonPath.DISCARD,
    });
    const alert = new tasks.SnsPublish(this, 'AlertFailure', {
      topic: alerts,
      message: sfn.TaskInput.fromJsonPathAt('$'),
    });
    record.addCatch(alert.next(new sfn.Fail(this, 'NotRecorded')), { resultPath: '$.error' });

    const machine = new sfn.StateMachine(this, 'RecordEntryMachine', {
      definitionBody: sfn.DefinitionBody.fromChainable(record.next(new sfn.Succeed(this, 'Recorded'))),
      timeout: cdk.Duration.minutes(Number(process.env.LEDGER_TIMEOUT_MINUTES || 5)),
    });
    new cdk.CfnOutput(this, 'StateMachineArn', { value: machine.stateMachineArn });
    new cdk.CfnOutput(this, 'TableName', { value: entries.tableName });
  }
}

const app = new cdk.App();
const stage = app.node.tryGetContext('stage') || 'dev';
new LedgerStack(app, `ledger-${stage}`);
