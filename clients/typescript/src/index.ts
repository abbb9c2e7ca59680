export * from "./luckymart-client.js";
export type { components, operations, paths } from "./api-types.js";
