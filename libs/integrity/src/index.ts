export * from './chain/hash-chain';
