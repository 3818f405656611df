# One image for every role; FIELDSYNC_ROLES picks what a container runs.
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update -qq && apt-get install -y -qq python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production LOG_FORMAT=json DATA_DIR=/var/lib/fieldsync
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
# The data folder and the shared-folder mount point belong to the user the roles run as, so a
# named volume mounted there starts out writable.
RUN mkdir -p /var/lib/fieldsync /srv/share && chown node:node /var/lib/fieldsync /srv/share
USER node
EXPOSE 8080 8081 2121
CMD ["node", "dist/src/main.js"]
