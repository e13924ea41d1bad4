// Modules of class-validator and class-transformer that their package indexes do
// not re-export, typed by the declarations the packages ship. The compiled data
// validator (compiled-data-class.validator.ts) reads the same metadata and words
// its messages with the same function as the libraries themselves.

declare module 'class-validator/cjs/validation/ValidationUtils' {
  export { ValidationUtils } from 'class-validator/types/validation/ValidationUtils';
}

declare module 'class-transformer/cjs/storage' {
  export { defaultMetadataStorage } from 'class-transformer/types/storage';
}
