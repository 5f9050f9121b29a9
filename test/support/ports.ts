// Free loopback ports for the tests' servers: the same helpers the cluster harness uses.
export { freePort, freePorts } from '../../dev/processes';
