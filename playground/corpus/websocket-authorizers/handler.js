// Stub handlers: the corpus deploys the service; the function bodies are never run.
'use strict';

module.exports.connect = async () => ({ statusCode: 200, body: 'connected' });

module.exports.default = async () => ({ statusCode: 200, body: 'default route' });

module.exports.auth = async (event) => ({
  principalId: 'user',
  policyDocument: {
    Version: '2012-10-17',
    Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: event.methodArn }],
  },
});
