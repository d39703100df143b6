/**
 * Face search: search every stored face — named or not — by an uploaded photo or by a stored
 * face, and name the identities faces are grouped into.
 */
import type { FastifyInstance } from 'fastify';
import { readImageHeader } from '../../vision/frame-input.ts';
import { faceService, type FaceServiceDeps } from '../../vision/faces/service.ts';
import type { Repositories } from '../../store/repositories/types.ts';
import { embeddingParams, faceSearchQuery, identityPage, identityParams, identityQuery, identitySchema, nameBody, photoSearchResponse, similarResponse } from '../contract/faces.ts';
import { noQuery } from '../contract/types.ts';
import { addRoute, badRequest, checkTimeOrder, mediaType } from '../route.ts';

export type FaceRouteDeps = Omit<FaceServiceDeps, 'faces'> & { repos: Pick<Repositories, 'faces'> };

export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;
const IMAGE_TYPES = ['image/jpeg', 'image/png'];
const MULTIPART = 'multipart/form-data';
const SEARCH_URL = '/api/v1/search/faces';

// what an audit row of a face search keeps: where and when was searched
const SEARCH_FILTERS = ['camera', 'from', 'to'] as const;

/** The first part of a multipart body that carries a file (buffered: the body is at most MAX_UPLOAD_BYTES). */
export function multipartFile(body: Buffer, contentType: string): Buffer {
  const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  if (!boundary) throw badRequest('multipart/form-data without a boundary');
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  for (let at = body.indexOf(delimiter); at !== -1;) {
    const after = at + delimiter.length;
    if (body.subarray(after, after + 2).toString('latin1') === '--') break;
    const headersEnd = body.indexOf('\r\n\r\n', after);
    const next = headersEnd === -1 ? -1 : body.indexOf(delimiter, headersEnd + 4);
    if (next === -1) break;
    // the part's content ends with the CRLF that precedes the next delimiter
    if (/filename=/i.test(body.subarray(after, headersEnd).toString('latin1'))) return body.subarray(headersEnd + 4, next - 2);
    at = next;
  }
  throw badRequest('the multipart body has no file part: send the photo as a file field, e.g. curl -F image=@face.jpg');
}

/** Reads only the image header: a 20000×20000 upload is refused without decoding its pixels. */
async function checkImage(image: Buffer): Promise<void> {
  const { format } = await readImageHeader(image, (reason) => badRequest(`the upload is refused: ${reason}`));
  if (format !== 'jpeg' && format !== 'png') throw badRequest(`the upload is a ${format} image; send a JPEG or PNG`);
}

export function faceRoutes(app: FastifyInstance, deps: FaceRouteDeps): void {
  const faces = faceService({ faces: deps.repos.faces, faceEmbedder: deps.faceEmbedder });

  // photos arrive as raw image bodies or as a multipart form, buffered up to MAX_UPLOAD_BYTES
  app.addContentTypeParser([...IMAGE_TYPES, MULTIPART], { parseAs: 'buffer', bodyLimit: MAX_UPLOAD_BYTES }, (_req, body, done) => done(null, body));

  addRoute(app, {
    method: 'POST', url: SEARCH_URL, permission: 'faces:search', tag: 'faces', audited: { query: SEARCH_FILTERS }, consumes: [...IMAGE_TYPES, MULTIPART], maxBodyBytes: MAX_UPLOAD_BYTES,
    summary: 'Search stored faces (everyone seen, named or not) by a photo: body image/jpeg, image/png or multipart/form-data with a file (≤ 10 MB, ≤ 8192 px per side)',
    query: faceSearchQuery, response: photoSearchResponse, errors: [422, 503],
    handler: async ({ query, req, actor }) => {
      checkTimeOrder(query);
      const body = req.body;
      if (!Buffer.isBuffer(body)) throw badRequest('the body must be a photo: image/jpeg, image/png, or multipart/form-data with a file');
      const type = mediaType(req.headers['content-type'])!;
      const image = type === MULTIPART ? multipartFile(body, req.headers['content-type']!) : body;
      await checkImage(image);
      // a copy: the embedder transfers its input to a worker thread
      return faces.search(actor, new Uint8Array(image), query);
    },
  });

  addRoute(app, {
    method: 'GET', url: `${SEARCH_URL}/:embeddingId`, permission: 'faces:search', tag: 'faces', audited: { query: SEARCH_FILTERS }, summary: 'Faces similar to a stored face (itself excluded)',
    params: embeddingParams, query: faceSearchQuery, response: similarResponse, errors: [409],
    handler: async ({ params, query, actor }) => {
      checkTimeOrder(query);
      return faces.similarTo(actor, params.embeddingId, query);
    },
  });

  addRoute(app, {
    method: 'GET', url: '/api/v1/faces/identities', permission: 'faces:search', tag: 'faces', audited: true, summary: 'Face identities (people grouped from their faces), most recently seen first',
    query: identityQuery, response: identityPage,
    handler: async ({ query, actor }) => faces.identities(actor, query),
  });

  addRoute(app, {
    method: 'PATCH', url: '/api/v1/faces/identities/:id', permission: 'faces:name', tag: 'faces', summary: 'Name an identity (body {"name": "…"} or {"name": null}); audited with the caller',
    params: identityParams, query: noQuery, body: nameBody, response: identitySchema,
    handler: async ({ params, body, actor, req }) => faces.nameIdentity({ ...actor, ip: req.ip }, params.id, body.name),
  });
}
