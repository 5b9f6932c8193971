# syntax=docker/dockerfile:1
# Build stage: install everything, compile TypeScript.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json instrumentation.ts ./
COPY config ./config
COPY strategies ./strategies
COPY src ./src
COPY public ./public
RUN npm run build && npm prune --omit=dev

# Runtime stage: production dependencies and compiled code only, as a non-root user.
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    GATEHOUSE_DATA_DIR=/data \
    GATEHOUSE_PORT=9092 \
    GATEHOUSE_HOST=0.0.0.0
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/public ./public
RUN mkdir -p /data && chown node:node /data \
 && chmod +x /app/dist/src/cli/main.js \
 && ln -s /app/dist/src/cli/main.js /usr/local/bin/gatehouse
USER node
VOLUME ["/data"]
# 9093 is the conventional GATEHOUSE_PROXY_PORT (proxy mode); it is opened only when set.
EXPOSE 9092 9093
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.GATEHOUSE_PORT||9092)+'/api/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# Same entry point as `npm start`, without rebuilding at every start.
CMD ["node", "dist/instrumentation.js"]
