# syntax=docker/dockerfile:1
# The api image. Built with the whole toolchain; the runtime stage carries the compiled
# api and its production dependencies only, and runs as the unprivileged `node` user.
#   docker build -f docker/api.Dockerfile -t operation-timeline/api .
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
# better-sqlite3 compiles its native addon when no prebuilt binary matches the platform.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.base.json tsconfig.json nest-cli.json ./
COPY apps ./apps
COPY libs ./libs
COPY events ./events
RUN npm run build:dashboard \
  && npx nest build api --builder tsc \
  && npm prune --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    PORT=3000 \
    DATA_DIR=/var/lib/timeline
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# local-dev/ exists so that a volume mounted there (the development override's shared key) is the node user's.
RUN mkdir -p /var/lib/timeline/local-dev && chown -R node:node /var/lib/timeline && chmod 0700 /var/lib/timeline/local-dev
USER node
EXPOSE 3000
VOLUME ["/var/lib/timeline"]
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=6 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Same entry point as `npm run start:prod`, without npm between the signals and the process.
CMD ["node", "dist/apps/api/apps/api/src/main.js"]
