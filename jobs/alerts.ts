/**
 * Alerts to an optional webhook (Slack-style incoming webhooks, PagerDuty Events, or anything that takes a
 * JSON POST): a run that failed, a deletion the delete guard refused, a resource with no successful run for
 * too long. Sending never throws: a broken webhook is logged, it does not fail a sync. Bodies pass through
 * the same secret scrubbing as logs.
 */
import ky from 'ky';
import type { Logger } from '../src/logger.ts';
import { scrubSecrets } from '../src/logger.ts';

export type AlertEvent = 'run_failed' | 'delete_refused' | 'stale';

export interface Alert {
  event: AlertEvent;
  resource: string;
  message: string;
  runId?: number | null;
  status?: string;
  errorCode?: string;
  willRetry?: boolean;
  lastSuccessAt?: string | null;
}

export interface Alerter {
  send(alert: Alert): Promise<void>;
}

export function createAlerter(webhookUrl: string | undefined, log: Logger): Alerter {
  return {
    async send(alert) {
      log.warn({ alert: alert.event, resource: alert.resource, runId: alert.runId }, alert.message);
      if (!webhookUrl) return;
      const body = scrubSecrets(
        JSON.stringify({
          source: 'betterworks-sync',
          at: new Date().toISOString(),
          text: `[bwsync] ${alert.resource}: ${alert.message}`,
          ...alert,
        }),
      );
      try {
        await ky.post(webhookUrl, {
          body,
          headers: { 'Content-Type': 'application/json' },
          timeout: 10_000,
          retry: { limit: 2, methods: ['post'] },
        });
      } catch (error) {
        log.error({ err: error, alert: alert.event }, 'could not deliver the alert to ALERT_WEBHOOK_URL');
      }
    },
  };
}
