/** What the rules engine emits (issue 5 §1); consumed by the alerts repository (owner B). */

// shared with the alerts repository, which stores them: defined beside the other message types
export { SEVERITIES, type RuleTrigger, type RuleType, type Severity } from '../../core/types.ts';
