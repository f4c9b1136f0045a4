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
ENTRYPOINT ["node", "src/cli.ts"]
CMD ["--help"]
