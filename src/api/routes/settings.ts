import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import type { RulesEngineOptions } from '../../analytics/rules/engine.ts';
import { dryRunRule } from '../../settings/dry-run.ts';
import { exportYaml, rulesSection, type ExportSection } from '../../settings/export.ts';
import type { RuleObjectKind, RuleSetSettings } from '../../settings/rules.ts';
import type { ConfigObject, ConfigService } from '../../settings/service.ts';
import type { Store } from '../../store/port.ts';
import { rulesWindowRepo } from '../../store/repositories/rules-window.ts';
import { addAuditDetails } from '../audit-hook.ts';
import {
  cameraObjectParams, cameraObjectQuery, deleteObjectQuery, dryRunBody, dryRunResult, lineList, lineObject, putLineBody, putRuleBody, putZoneBody,
  ruleList, ruleObject, zoneList, zoneObject,
} from '../contract/settings.ts';
import { noQuery } from '../contract/types.ts';
import { addRoute } from '../route.ts';

export interface SettingsRouteDeps {
  configuration: {
    settings: ConfigService;
    store: Store;
    /** night mode and track expiry as the analytics role runs them, and its time zones: the dry run's engine */
    rules: { settings: () => RuleSetSettings; engine: RulesEngineOptions };
    /** sections of GET /api/v1/config/export beyond the rules */
    exportSections?: readonly ExportSection[];
  };
}

const toCameraObject = (o: ConfigObject) => ({ camera: o.scope, id: o.id, definition: o.definition, version: o.version, updated_at: o.updated_at, updated_by: o.updated_by });

interface ObjectApi {
  kind: RuleObjectKind;
  path: string;
  item: z.ZodType;
  list: z.ZodType;
  body: z.ZodType<{ definition: unknown; version?: number }>;
}

/** The four routes of one kind of camera object: list, read, create or replace, delete. */
function cameraObjectRoutes(app: FastifyInstance, settings: ConfigService, o: ObjectApi): void {
  const base = `/api/v1/${o.path}`;
  const key = (p: z.infer<typeof cameraObjectParams>) => ({ kind: o.kind, scope: p.cameraId, id: p.id });
  addRoute(app, {
    method: 'GET', url: base, permission: 'config:read', tag: 'settings', summary: `The ${o.kind}s of the cameras the caller may see (?camera= for one camera's), with their versions`,
    query: cameraObjectQuery, response: o.list,
    handler: async ({ actor, query }) => ({ items: (await settings.list(actor, o.kind, query.camera)).map(toCameraObject) }),
  });
  addRoute(app, {
    method: 'GET', url: `${base}/:cameraId/:id`, permission: 'config:read', tag: 'settings', summary: `One ${o.kind} of a camera`,
    params: cameraObjectParams, query: noQuery, response: o.item,
    handler: async ({ actor, params }) => toCameraObject(await settings.get(actor, key(params))),
  });
  addRoute(app, {
    method: 'PUT', url: `${base}/:cameraId/:id`, permission: 'config:manage', tag: 'settings', errors: [409],
    summary: `Create or replace a ${o.kind} (body {"definition", "version"}); applied at once (rules on the next analysed frame); returns its new version; 409 when another version was stored since the one sent, 400 naming what is wrong with the definition`,
    params: cameraObjectParams, query: noQuery, body: o.body, response: o.item,
    handler: async ({ actor, params, body, req }) => {
      const stored = await settings.put(actor, key(params), body.definition, body.version);
      addAuditDetails(req, { version: stored.version });
      return toCameraObject(stored);
    },
  });
  addRoute(app, {
    method: 'DELETE', url: `${base}/:cameraId/:id`, permission: 'config:manage', tag: 'settings', status: 204, errors: [409],
    summary: `Delete a ${o.kind} (?version= to refuse when it changed since); 409 when a rule still uses it`,
    params: cameraObjectParams, query: deleteObjectQuery,
    handler: async ({ actor, params, query, reply }) => {
      await settings.remove(actor, key(params), query.version);
      return reply.code(204).send();
    },
  });
}

/** Zones, lines and rules through the API, the rule dry run and the configuration export. */
export function settingsRoutes(app: FastifyInstance, deps: SettingsRouteDeps): void {
  const { settings, store, rules } = deps.configuration;
  cameraObjectRoutes(app, settings, { kind: 'zone', path: 'zones', item: zoneObject, list: zoneList, body: putZoneBody });
  cameraObjectRoutes(app, settings, { kind: 'line', path: 'lines', item: lineObject, list: lineList, body: putLineBody });
  cameraObjectRoutes(app, settings, { kind: 'rule', path: 'rules', item: ruleObject, list: ruleList, body: putRuleBody });

  const frames = rulesWindowRepo(store);
  addRoute(app, {
    method: 'POST', url: '/api/v1/rules/dry-run', permission: 'config:manage', tag: 'settings',
    summary: 'How often a drafted rule would have fired: the camera\'s stored detections of the last hours (default 24) replayed through it, with the zones and lines as drafted; nothing is saved',
    query: noQuery, body: dryRunBody, response: dryRunResult,
    handler: async ({ actor, body }) => dryRunRule({ config: settings, frames, ruleSettings: rules.settings, engine: rules.engine }, actor, body),
  });

  const sections = [rulesSection(rules.settings), ...(deps.configuration.exportSections ?? [])];
  addRoute(app, {
    method: 'GET', url: '/api/v1/config/export', permission: 'config:manage', tag: 'settings', produces: 'application/yaml', audited: true,
    summary: 'The configuration as it is now (YAML edits and changes made through the API), as a config file',
    query: noQuery,
    handler: async ({ actor, reply }) => reply.type('application/yaml; charset=utf-8').send(await exportYaml(settings, actor, sections)),
  });
}
