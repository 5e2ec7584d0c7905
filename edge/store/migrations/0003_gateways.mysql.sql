-- frozen by edge.store.schema_sql for migration 0003_gateways; never edit
CREATE TABLE `gateway_attempt` (`id` INTEGER AUTO_INCREMENT NOT NULL PRIMARY KEY, `uuid` VARCHAR(40) NOT NULL, `invoice_id` INTEGER NOT NULL, `gateway` VARCHAR(16) NOT NULL, `method` VARCHAR(16) NOT NULL, `flow` VARCHAR(20) NOT NULL, `attempt` SMALLINT NOT NULL, `amount_paise` BIGINT NOT NULL, `tendered_paise` BIGINT, `idempotency_key` VARCHAR(120) NOT NULL, `state` VARCHAR(12) NOT NULL, `gateway_ref` VARCHAR(120), `transaction_id` VARCHAR(120) NOT NULL, `gateway_status` VARCHAR(32) NOT NULL, `failure_code` VARCHAR(64) NOT NULL, `failure_message` TEXT NOT NULL, `refunds_started` SMALLINT NOT NULL, `refunded_paise` BIGINT NOT NULL, `details_enc` BLOB, `payment_id` INTEGER, `started_by_id` INTEGER, `created_at` DATETIME(6) NOT NULL, `updated_at` DATETIME(6) NOT NULL, `checked_at` DATETIME(6), FOREIGN KEY (`invoice_id`) REFERENCES `invoice` (`id`) ON DELETE RESTRICT, FOREIGN KEY (`payment_id`) REFERENCES `payment` (`id`) ON DELETE SET NULL, FOREIGN KEY (`started_by_id`) REFERENCES `user` (`id`) ON DELETE SET NULL);
CREATE UNIQUE INDEX `gateway_attempt_uuid` ON `gateway_attempt` (`uuid`);
CREATE INDEX `gateway_attempt_invoice_id` ON `gateway_attempt` (`invoice_id`);
CREATE UNIQUE INDEX `gateway_attempt_idempotency_key` ON `gateway_attempt` (`idempotency_key`);
CREATE INDEX `gateway_attempt_state` ON `gateway_attempt` (`state`);
CREATE INDEX `gateway_attempt_gateway_ref` ON `gateway_attempt` (`gateway_ref`);
CREATE INDEX `gateway_attempt_payment_id` ON `gateway_attempt` (`payment_id`);
CREATE INDEX `gateway_attempt_started_by_id` ON `gateway_attempt` (`started_by_id`);
CREATE UNIQUE INDEX `gateway_attempt_invoice_id_attempt` ON `gateway_attempt` (`invoice_id`, `attempt`);
