// Everything the builders need from the group, with the byte helper they share.
export * from '../../src/group.js';
export { bigToBytesLE } from '../../src/bytes.js';
