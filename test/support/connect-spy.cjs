// Preloaded (node --require) into a FieldSync process by tests that must know where it connects:
// writes every outgoing TCP connection attempt to stderr as "connect-spy: host:port".
const net = require('node:net');
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function spiedConnect(...args) {
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  const options = typeof first === 'object' && first !== null ? first : { port: first, host: typeof args[1] === 'string' ? args[1] : undefined };
  if (options.port !== undefined && !options.path) process.stderr.write(`connect-spy: ${options.host ?? 'localhost'}:${options.port}\n`);
  return connect.apply(this, args);
};
process.stderr.write('connect-spy: loaded\n');
