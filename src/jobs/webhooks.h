/*
 * Webhook deliveries: every worker of every instance claims due
 * deliveries from the queue (deliveries, migration 0007) and sends them
 * with Kore's asynchronous curl, at most WEBHOOK_CONCURRENCY at once per
 * instance (shared out among the workers). webhooks_tick() claims when
 * the idle wait or a retry time is up, webhooks_poll() at once.
 */
#ifndef __H_WEBHOOKS_H
#define __H_WEBHOOKS_H

void	webhooks_worker_init(void);
void	webhooks_tick(u_int64_t);
void	webhooks_poll(void);

#endif
