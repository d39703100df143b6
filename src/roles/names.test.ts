import { describe, expect, it } from 'vitest';
import { UsageError } from '../core/cli-args.ts';
import { parseRoles, ROLES } from './names.ts';

describe('parseRoles', () => {
  it('takes all, a profile or a list, and keeps the roles in start order', () => {
    expect(parseRoles('all')).toEqual([...ROLES]);
    expect(parseRoles('one-box')).toEqual([...ROLES]);
    expect(parseRoles('site')).toEqual(['edge', 'archive']);
    expect(parseRoles('cloud')).toEqual(['inference', 'analytics', 'notify', 'api']);
    expect(parseRoles('api, edge')).toEqual(['edge', 'api']);
  });

  it('names an unknown role and what it expected', () => {
    expect(() => parseRoles('edge,recorder')).toThrow(UsageError);
    expect(() => parseRoles('edge,recorder')).toThrow(/unknown role 'recorder'.*one-box, site, cloud/);
    expect(() => parseRoles('toString')).toThrow(/unknown role 'toString'/);
  });
});
