-- payments_reconcile.sql: what the provider says, applied.
--
-- The webhook and the reconciler never trust a request body: they re-fetch
-- the payment from Toss with the secret key, then hand that answer to
-- payment_apply_status (idempotent by event key). The reconciler also lists
-- attempts left in flight and refunds owed that the provider has not
-- confirmed yet, each leased with SKIP LOCKED so reconcilers never collide.

-- A provider payment object (re-fetched from the provider: paymentKey,
-- orderId, status, totalAmount, method, approvedAt), from a webhook or the
-- reconciler. Each p_event_key is applied once; statuses only move a
-- payment forward, so events arriving out of order change nothing wrong.
CREATE OR REPLACE FUNCTION encore.payment_apply_status(p_event_key text,
    p_provider jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	v_key		text := p_provider ->> 'paymentKey';
	v_order		text := p_provider ->> 'orderId';
	v_status	text := p_provider ->> 'status';
	v_result	jsonb;
	v_r		encore.reservations;
	v_p		encore.payments;
BEGIN
	IF p_event_key IS NULL OR jsonb_typeof(p_provider) IS DISTINCT FROM
	    'object' THEN
		PERFORM encore.raise_if_invalid(
		    '{"event": "needs an event key and a payment object"}');
	END IF;
	INSERT INTO encore.provider_events (event_key, payment_key, order_id,
	    status, payload)
	VALUES (p_event_key, v_key, v_order, v_status, p_provider)
	ON CONFLICT (event_key) DO NOTHING;
	IF NOT FOUND THEN
		RETURN jsonb_build_object('outcome', 'DUPLICATE');
	END IF;

	SELECT * INTO v_p FROM encore.payments WHERE payment_key = v_key;
	-- A DONE payment of one of our orders that encore never began (the
	-- browser never came back to confirm it): the provider, asked with our
	-- secret key, says the money was taken for exactly our total, so the
	-- attempt is recorded here and settled like any approval. Only for an
	-- order with no attempt of its own: a key that is not the attempt's
	-- stays IGNORED.
	IF NOT FOUND AND v_status = 'DONE' AND length(v_key) BETWEEN 1 AND 200
	    AND EXISTS (SELECT 1 FROM encore.reservations r
	        WHERE r.order_id = v_order AND encore.json_int_between(
	            p_provider -> 'totalAmount', r.amount, r.amount))
	    AND NOT EXISTS (SELECT 1 FROM encore.payments
	        WHERE order_id = v_order) THEN
		INSERT INTO encore.payments (payment_key, order_id, amount)
		SELECT v_key, r.order_id, r.amount FROM encore.reservations r
		WHERE r.order_id = v_order
		ON CONFLICT (payment_key) DO NOTHING;
		SELECT * INTO v_p FROM encore.payments WHERE payment_key = v_key;
	END IF;
	IF NOT FOUND OR v_p.order_id IS DISTINCT FROM v_order
	    OR NOT encore.json_int_between(p_provider -> 'totalAmount',
	        v_p.amount, v_p.amount) THEN
		v_result := '{"outcome": "IGNORED"}';
	ELSIF v_status = 'DONE' THEN
		v_r := encore.reservation_lock_by_order(v_order);
		SELECT * INTO v_p FROM encore.payments WHERE payment_key = v_key
		FOR UPDATE;
		v_result := encore.payment_settle(v_r, v_p, p_provider);
	ELSIF v_status IN ('CANCELED', 'PARTIAL_CANCELED') THEN
		v_result := encore.payment_refunded(v_key, p_provider);
	ELSIF v_status IN ('ABORTED', 'EXPIRED') THEN
		v_result := encore.payment_fail(v_order, v_key, v_status,
		    'The provider reports the payment ' || v_status);
	ELSE
		v_result := '{"outcome": "IGNORED"}';
	END IF;

	UPDATE encore.provider_events SET outcome = v_result ->> 'outcome'
	WHERE event_key = p_event_key;
	RETURN v_result;
END;
$$;

-- Lease payments of one status that have waited longer than p_older_than
-- (since the attempt for IN_FLIGHT, since the last change otherwise): each
-- is leased for 30 s (next_check_at) and claimed with SKIP LOCKED, so two
-- reconcilers never take the same payment.
CREATE OR REPLACE FUNCTION encore.payments_lease(p_status text,
    p_older_than interval, p_limit integer) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	v_rows	jsonb;
BEGIN
	WITH due AS (
		SELECT id FROM encore.payments
		WHERE status = p_status AND next_check_at <= now()
		    AND CASE WHEN p_status = 'IN_FLIGHT' THEN attempted_at
		        ELSE updated_at END
		        <= now() - coalesce(p_older_than, '1 minute')
		ORDER BY next_check_at
		LIMIT greatest(coalesce(p_limit, 100), 1)
		FOR UPDATE SKIP LOCKED
	), leased AS (
		UPDATE encore.payments p
		SET next_check_at = now() + interval '30 seconds'
		FROM due WHERE p.id = due.id
		RETURNING p.order_id, p.payment_key, p.amount, p.refund_reason,
		    p.next_check_at
	)
	SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
	    'order_id', order_id, 'payment_key', payment_key,
	    'amount', amount, 'reason', refund_reason))
	    ORDER BY next_check_at, order_id) INTO v_rows
	FROM leased;
	RETURN jsonb_build_object('payments', coalesce(v_rows, '[]'));
END;
$$;

-- Attempts still IN_FLIGHT (a crash between the provider's approval and
-- our commit, or a lost answer): the reconciler re-fetches each from the
-- provider and calls payment_apply_status.
CREATE OR REPLACE FUNCTION encore.payments_in_flight(p_older_than interval,
    p_limit integer) RETURNS jsonb
LANGUAGE sql AS $$
	SELECT encore.payments_lease('IN_FLIGHT', p_older_than, p_limit)
$$;

-- Refunds owed but not yet confirmed by the provider: the reconciler calls
-- the provider's cancel (with an Idempotency-Key) and payment_refunded.
CREATE OR REPLACE FUNCTION encore.payments_refund_pending(
    p_older_than interval, p_limit integer) RETURNS jsonb
LANGUAGE sql AS $$
	SELECT encore.payments_lease('REFUND_PENDING', p_older_than, p_limit)
$$;
