// The demo's function: answers the HTTP API and sends each request to the queue.
const { SQSClient, SendMessageCommand } = require('@aws-sdk/client-sqs');

const sqs = new SQSClient({});

exports.handler = async (event) => {
  await sqs.send(new SendMessageCommand({ QueueUrl: process.env.QUEUE_URL, MessageBody: event.rawPath || '/' }));
  return { statusCode: 200, body: JSON.stringify({ message: process.env.GREETING }) };
};
