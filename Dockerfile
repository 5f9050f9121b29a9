# syntax=docker/dockerfile:1
# One image for every Deep Dive service. docker-compose.yml runs it three ways:
#   migrate: npm run migrate            (prisma migrate deploy, then exits)
#   api:     node dist/api/main.js      (the default command)
#   worker:  node dist/worker/main.js   (scale with `docker compose up -d --scale worker=N`)
# Build alone with `docker build -t deep-dive .`. docs/DEPLOYMENT.md explains the whole deployment.

# Node 20 on Debian bookworm, slim. Both stages use the same base so that the native parts installed
# in the build stage (Temporal's core bridge, @swc/core, Prisma's schema engine) match the runtime.
ARG NODE_IMAGE=node:20.20.2-bookworm-slim

# ---- build: the same commands CI runs (`npm ci`, `npm run build`), then only production deps kept ----
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# Prisma's engines look for OpenSSL to pick their build; the slim image has none.
RUN apt-get update \
 && apt-get install -y --no-install-recommends openssl ca-certificates \
 && rm -rf /var/lib/apt/lists/*
ENV CHECKPOINT_DISABLE=1 \
    PRISMA_HIDE_UPDATE_MESSAGE=1
# `npm ci` runs `prisma generate` (postinstall), which reads prisma.config.ts and the prisma folder,
# and tsconfig.json too: without it the generated client imports "./x.ts", which Node cannot load
# once compiled. They are copied before it; the rest of the source after, so that a code change does
# not invalidate the dependency layer.
COPY package.json package-lock.json prisma.config.ts tsconfig.json ./
COPY prisma ./prisma
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build
# Drop the dev dependencies. The Prisma CLI stays: it is a runtime dependency (`npm run migrate`).
RUN npm prune --omit=dev --no-audit --no-fund

# ---- runtime: production dependencies + dist + prisma folder + prisma.config.ts ----
FROM ${NODE_IMAGE} AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends openssl ca-certificates \
 && rm -rf /var/lib/apt/lists/*
# MALLOC_ARENA_MAX: two malloc arenas rather than one per thread (the worker's memory: worker/sizing.ts).
ENV NODE_ENV=production \
    CHECKPOINT_DISABLE=1 \
    PRISMA_HIDE_UPDATE_MESSAGE=1 \
    MALLOC_ARENA_MAX=2
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json /app/package-lock.json /app/prisma.config.ts ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/prisma ./prisma
COPY --from=build --chown=node:node /app/dist ./dist
# The image's own user (uid 1000), never root.
USER node
EXPOSE 3000
CMD ["node", "dist/api/main.js"]
