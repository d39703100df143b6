import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { endSessionsOf, userService } from '../../auth/users.ts';
import type { CameraSource } from '../../config/live-cameras.ts';
import type { Repositories } from '../../store/repositories/types.ts';
import { createUserBody, updateUserBody, user, userIdParams, userList } from '../contract/users.ts';
import { addRoute } from '../route.ts';

export interface UserRouteDeps {
  cameras: Pick<CameraSource, 'ids'>;
  repos: Repositories;
}

/** Accounts of people, for admins: parse, call the user service, return what it returns. */
export function userRoutes(app: FastifyInstance, deps: UserRouteDeps): void {
  const users = userService({ users: deps.repos.users, knownCameras: async () => deps.cameras.ids(), onAccountChanged: endSessionsOf(deps.repos) });
  const noQuery = z.object({}).strict();

  addRoute(app, {
    method: 'GET', url: '/api/v1/users', permission: 'users:manage', tag: 'users', summary: 'Every user (never a password or its hash)',
    query: noQuery, response: userList,
    handler: async ({ actor }) => ({ items: await users.list(actor) }),
  });

  addRoute(app, {
    method: 'POST', url: '/api/v1/users', permission: 'users:manage', tag: 'users',
    summary: 'Create a user (body {"username", "password", "role", "cameras"?}); 201, 409 when the username is taken',
    query: noQuery, body: createUserBody, response: user,
    handler: async ({ actor, body, reply }) => {
      const created = await users.create(actor, body);
      reply.code(201);
      return created;
    },
  });

  addRoute(app, {
    method: 'PATCH', url: '/api/v1/users/:id', permission: 'users:manage', tag: 'users',
    summary: 'Change a user\'s role, password, cameras or disabled flag; 409 when it would leave no admin who can sign in',
    params: userIdParams, query: noQuery, body: updateUserBody, response: user,
    handler: async ({ actor, params, body }) => users.update(actor, params.id, body),
  });

  addRoute(app, {
    method: 'POST', url: '/api/v1/users/:id/mfa/reset', permission: 'users:manage', tag: 'users',
    summary: 'Forget a user\'s second factor (a lost phone): they enrol an authenticator again at the next sign-in; their sessions end',
    params: userIdParams, query: noQuery, response: user,
    handler: async ({ actor, params }) => users.resetMfa(actor, params.id),
  });

  addRoute(app, {
    method: 'DELETE', url: '/api/v1/users/:id', permission: 'users:manage', tag: 'users', status: 204, errors: [409], summary: 'Delete a user; 204, 409 for the last admin who can sign in',
    params: userIdParams, query: noQuery,
    handler: async ({ actor, params, reply }) => {
      await users.remove(actor, params.id);
      return reply.code(204).send();
    },
  });
}
