/**
 * WHEP (draft-ietf-wish-whep): POST an SDP offer, get 201 with the answer and the session URL;
 * DELETE that URL to stop. Non-trickle: the answer carries every candidate, so PATCH is 405.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { CameraSource } from '../../config/live-cameras.ts';
import { cameraFor, type Caller } from '../../core/actor.ts';
import { LiveUnavailableError, type WebRtcManager } from '../../media/webrtc/manager.ts';
import { OfferError } from '../../media/webrtc/offer.ts';
import { cameraId as cameraIdParam, noQuery } from '../contract/types.ts';
import { addRoute, badRequest, HttpError, notFound } from '../route.ts';

export interface WhepRouteDeps {
  cameras: CameraSource;
  /** absent when WebRTC is off: every WHEP request is then a 503 */
  webrtc?: WebRtcManager;
}

const SDP = 'application/sdp';
const TRICKLE = 'application/trickle-ice-sdpfrag';
const MAX_OFFER_BYTES = 64 * 1024;
const WHEP_URL = '/api/v1/cameras/:id/whep';
const SESSION_URL = `${WHEP_URL}/:session`;
const cameraId = z.object({ id: cameraIdParam }).strict();
const sessionParams = cameraId.extend({ session: z.uuid().describe('WHEP session id (from Location)') }).strict();

const unavailable = (why: string): HttpError => new HttpError(503, 'unavailable', why);

export function whepRoutes(app: FastifyInstance, deps: WhepRouteDeps): void {
  const manager = (caller: Caller, id: string): WebRtcManager => {
    cameraFor(caller, deps.cameras, id);
    if (!deps.webrtc) throw unavailable('WebRTC live view is off; use HLS');
    return deps.webrtc;
  };

  // an SDP body is plain text: keep it away from the JSON parser, and small
  app.addContentTypeParser([SDP, TRICKLE], { parseAs: 'string', bodyLimit: MAX_OFFER_BYTES }, (_req, body, done) => done(null, body));

  addRoute(app, {
    method: 'POST', url: WHEP_URL, permission: 'live:watch', tag: 'live', summary: 'WHEP: start a WebRTC live view (body: SDP offer; 201 with the SDP answer and Location)',
    params: cameraId, query: noQuery, produces: SDP, consumes: [SDP], maxBodyBytes: MAX_OFFER_BYTES, status: 201, errors: [503],
    handler: async ({ params, actor, req, reply }) => {
      const webrtc = manager(actor, params.id);
      const offer = typeof req.body === 'string' ? req.body : '';
      if (!offer.trim()) throw badRequest('the body must be an SDP offer; it is empty');
      try {
        const { sessionId, answer } = await webrtc.createSession(params.id, offer);
        return reply.code(201).type(SDP).header('location', `/api/v1/cameras/${encodeURIComponent(params.id)}/whep/${sessionId}`).send(answer);
      } catch (err) {
        if (err instanceof OfferError) throw badRequest(err.message);
        if (err instanceof LiveUnavailableError) throw unavailable(err.message);
        throw err;
      }
    },
  });

  addRoute(app, {
    method: 'DELETE', url: SESSION_URL, permission: 'live:watch', tag: 'live', summary: 'WHEP: stop a WebRTC live view',
    params: sessionParams, query: noQuery, status: 204, errors: [503],
    handler: async ({ params, actor, reply }) => {
      if (!manager(actor, params.id).deleteSession(params.id, params.session)) throw notFound(`no WHEP session '${params.session}' for camera '${params.id}'`);
      return reply.code(204).send();
    },
  });

  addRoute(app, {
    method: 'PATCH', url: SESSION_URL, permission: 'live:watch', tag: 'live', summary: 'WHEP trickle ICE: not supported (the answer carries every candidate)',
    params: sessionParams, query: noQuery, consumes: [TRICKLE], maxBodyBytes: MAX_OFFER_BYTES, errors: [405],
    handler: async ({ reply }) => reply.code(405).header('allow', 'DELETE').send({ error: 'method_not_allowed', message: 'trickle ICE is not supported: send the offer with all candidates' }),
  });
}
