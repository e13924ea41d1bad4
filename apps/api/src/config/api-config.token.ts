/** DI token of the validated ApiConfig, for modules of the api that need a value from it. */
export const API_CONFIG = Symbol('API_CONFIG');
