/*
 * The background work of every worker: webhook deliveries, reminders,
 * the events' retention and the queue's gauges, each on a Kore timer,
 * each claimed in PostgreSQL so instances share it without doing
 * anything twice.
 */
#ifndef __H_JOBS_H
#define __H_JOBS_H

void	jobs_worker_init(void);

#endif
