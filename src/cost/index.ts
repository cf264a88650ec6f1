export type * from './types.js';
export { CostAnalyzer } from './CostAnalyzer.js';
export { MAX_COST, pointsText } from './costPlan.js';
export { toPoints } from './points.js';
export type { PointsScale } from './points.js';
export type { ActualCostRequest, CostRequest } from './CostAnalyzer.js';
export { analyzeCost, parseDocument } from './analyzeCost.js';
export { annotateSchema } from './annotateSchema.js';
export type { AnnotateOptions, AnnotatedSchema, SchemaAnnotation } from './annotateSchema.js';
export { AuditCode, DEFAULT_AUDIT_DEPTH, auditSchema } from './auditSchema.js';
export type {
  AuditFinding,
  AuditOptions,
  AuditSeverity,
  CostliestOperation,
  SchemaAudit,
} from './auditSchema.js';
export { linkedCostDirectiveNames } from './federation.js';
export type { AnalyzeCostArgs } from './analyzeCost.js';
export { CostError, CostErrorCode } from './CostError.js';
export type { CostErrorExtensions, CostErrorOptions } from './CostError.js';
export { COST_DIRECTIVES_SDL, costDirectivesSDL } from './directives.js';
export { withCostDirectives } from './withCostDirectives.js';
export {
  COST_MODELS,
  DEFAULT_COMPLEXITY_DIRECTIVE_NAME,
  DEFAULT_COST_MODEL,
  DEFAULT_DEPTH_COST,
  DEFAULT_DIRECTIVE_NAMES,
  DEFAULT_ERROR_FIELD_COUNT,
  DEFAULT_INTROSPECTION_COST,
  DEFAULT_LEAF_TYPE_COST,
  DEFAULT_LIST_SIZE,
  DEFAULT_MAX_BREAKDOWN_FIELDS,
  DEFAULT_MAX_COST,
  DEFAULT_MAX_DEPTH,
  DEFAULT_MAX_LIST_SIZE,
  DEFAULT_MUTATION_COST,
  DEFAULT_OBJECT_TYPE_COST,
  DEFAULT_QUERY_COST,
  DEFAULT_SUBSCRIPTION_COST,
  GITHUB_MAX_NODES,
  GITHUB_MAX_PAGE_SIZE,
  GITHUB_POINTS,
  MAX_SUPPORTED_DEPTH,
} from './options.js';
export type { CostConventions, CostDirectiveNames, CostModelName, CostOptions } from './options.js';
