# betterworks-sync: one image for the migrate job, the worker and one-off CLI runs.
FROM node:24-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY src ./src
COPY jobs ./jobs
COPY migrations ./migrations
USER node
# The same V8 flags as the bwsync shebang (src/cli.ts says why each is there).
ENTRYPOINT ["node", "--max-semi-space-size=8", "--heap-growing-percent=100", "--no-allocation-site-pretenuring", "src/cli.ts"]
CMD ["--help"]
