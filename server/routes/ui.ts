/**
 * The inspector page: the static build of inspector-ui/ (index.html, app.js, app.css) from
 * `uiDir`. When the build is missing, `/` answers 503 with the command that builds it, instead of
 * a bare 404 that would leave the operator guessing.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../errors.js';
import { TokenQuery } from '../schemas.js';

/** Registers `/` and the UI's assets. */
export async function uiRoutes(app: FastifyInstance, options: { uiDir?: string }): Promise<void> {
  const { uiDir } = options;
  const built = () => uiDir !== undefined && existsSync(join(uiDir, 'index.html'));

  if (uiDir !== undefined && existsSync(uiDir)) {
    await app.register(fastifyStatic, {
      root: uiDir,
      index: false,
      serveDotFiles: false,
      // The build's file names are stable, so browsers must revalidate rather than cache forever.
      cacheControl: true,
      maxAge: 0
    });
  }

  app.get('/', { schema: { querystring: TokenQuery } }, async (_request, reply) => {
    if (!built()) {
      const err = ApiError.uiNotBuilt(uiDir);
      return reply.code(err.statusCode).type('text/plain; charset=utf-8').send(`${err.message}\n`);
    }
    // The page is the entry point reached with the token: never cache it.
    reply.header('cache-control', 'no-store');
    return reply.sendFile('index.html', uiDir!, { cacheControl: false });
  });
}
