// A real gRPC client (@grpc/grpc-js): one unary call through the proxy named by https_proxy / grpc_proxy.
// node grpc_client.js HOST:PORT CAFILE  → prints the reply, or "failed: ..." and exits 1
const grpc = require('@grpc/grpc-js');
const fs = require('node:fs');
const [target, cafile] = process.argv.slice(2);
const bytes = (b) => b;
const Echo = grpc.makeGenericClientConstructor({ Say: { path: '/pinscope.Echo/Say', requestStream: false, responseStream: false, requestSerialize: bytes, requestDeserialize: bytes, responseSerialize: bytes, responseDeserialize: bytes } }, 'Echo');
const client = new Echo(target, grpc.credentials.createSsl(fs.readFileSync(cafile)));
client.Say(Buffer.from('hello'), { deadline: Date.now() + 8000 }, (error, reply) => {
  if (error) {
    console.log(`failed: ${error.code} ${error.details}`);
    process.exit(1);
  }
  console.log(String(reply));
  process.exit(0);
});
