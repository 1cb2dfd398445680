-- pgTAP: members, refresh-token families, OAuth login state
-- (sql/functions/auth.sql).
--
-- Run: pg_prove -d encore pgtests/auth.sql   (after scripts/migrate.sh)
-- One transaction, rolled back.
BEGIN;
SELECT plan(31);

\ir lib/err.psql
CREATE FUNCTION pg_temp.h(p text) RETURNS bytea LANGUAGE sql AS $$
	SELECT sha256(convert_to(p, 'UTF8'))
$$;

-- Members.
SELECT encore.member_upsert('google', 'sub-1', 'Ann@Example.COM', 'Ann', '{boss@example.com}') AS m \gset
SELECT (:'m'::jsonb #>> '{member,id}')::bigint AS ann \gset
SELECT is(:'m'::jsonb, jsonb_build_object('member', jsonb_build_object('id', :ann,
    'email', 'ann@example.com', 'name', 'Ann', 'role', 'member')), 'member_upsert: {"member": {id, email, name, role}}');
SELECT is(encore.member_upsert('google', 'sub-1', 'ann@example.com', 'Ann B', '{ANN@example.com}') -> 'member',
    jsonb_build_object('id', :ann, 'email', 'ann@example.com', 'name', 'Ann B', 'role', 'admin'),
    'the same (provider, subject) is the same member; the role is recomputed at login');
SELECT is(encore.member_upsert('google', 'sub-1', 'ann@example.com', 'Ann B', '{}') #>> '{member,role}', 'member',
    'and taken away again');
SELECT is(ARRAY(SELECT action || ':' || coalesce(from_status, '') || '>' || to_status FROM encore.audit_log
    WHERE entity = 'member' AND entity_id = :'ann' ORDER BY id),
    ARRAY['member.created:>member', 'member.role_changed:member>admin', 'member.role_changed:admin>member'],
    'creation and role changes are audited');
SELECT is(encore.member_upsert('dev', 'x@y', 'x@y', NULL, NULL) #>> '{member,name}', 'x',
    'no name: the e-mail''s local part');
SELECT isnt((encore.member_upsert('dev', 'sub-1', 'ann@example.com', 'A', '{}') #>> '{member,id}')::bigint, :ann::bigint,
    'another provider is another member');
SELECT is(pg_temp.err($$SELECT encore.member_upsert('dev', 's', 'not-an-email', 'n', '{}')$$) #> '{details,fields}',
    '{"email": "must be an e-mail address"}'::jsonb, 'a bad e-mail: 400 VALIDATION_FAILED');
SELECT is(pg_temp.err($$SELECT encore.member_upsert('Bad Provider', '', 'a@b', 'n', '{}')$$) #> '{details,fields}',
    '{"provider": "unknown provider", "subject": "must be 1-255 characters"}'::jsonb, 'bad provider and subject: 400');
SELECT is(encore.member_get(:ann) #>> '{member,id}', :'ann', 'member_get');
SELECT is(pg_temp.err(format('SELECT encore.member_get(%s)', :ann + 1000)) ->> 'state', 'EN401',
    'member_get of a member that is gone: 401 UNAUTHENTICATED');

-- Refresh tokens.
SELECT encore.refresh_token_issue(:ann, pg_temp.h('t1'), '30 days') ->> 'family' AS fam \gset
SELECT ok(:'fam'::uuid IS NOT NULL, 'issue starts a family');
SELECT is((SELECT token_hash FROM encore.refresh_tokens WHERE family = :'fam'), pg_temp.h('t1'),
    'only the hash is stored');
SELECT is(pg_temp.err(format('SELECT encore.refresh_token_issue(%s, %L, ''1 day'')', :ann, '\x00'::bytea)) ->> 'state',
    'EN400', 'a hash that is not 32 bytes: 400');
SELECT is(pg_temp.err(format('SELECT encore.refresh_token_issue(%s, %L, ''1 day'')', :ann + 1000, pg_temp.h('z'))) ->> 'state',
    'EN401', 'issue for a member that is gone: 401');
SELECT encore.refresh_token_rotate(pg_temp.h('t1'), pg_temp.h('t2'), '30 days') AS rot \gset
SELECT is(:'rot'::jsonb #>> '{member,id}', :'ann', 'rotate: the member');
SELECT is(:'rot'::jsonb ->> 'family', :'fam', 'the successor stays in the family');
SELECT ok((SELECT rotated_at IS NOT NULL FROM encore.refresh_tokens WHERE token_hash = pg_temp.h('t1')),
    'the old token is marked rotated');
SELECT lives_ok($$SELECT encore.refresh_token_rotate(pg_temp.h('t2'), pg_temp.h('t3'), '30 days')$$, 'rotate the successor');
SELECT is(encore.refresh_token_rotate(pg_temp.h('t1'), pg_temp.h('t9'), '30 days') ->> 'error', 'REFRESH_TOKEN_REUSED',
    'reusing a rotated token: {"error": "REFRESH_TOKEN_REUSED"} (returned, not raised, so the revocation commits)');
SELECT is((SELECT count(*) FROM encore.refresh_tokens WHERE family = :'fam' AND revoked_at IS NULL), 0::bigint,
    'the whole family is revoked');
SELECT is(pg_temp.err($$SELECT encore.refresh_token_rotate(pg_temp.h('t3'), pg_temp.h('t4'), '30 days')$$) ->> 'state',
    'EN401', 'the newest token of a revoked family: 401');
SELECT is(pg_temp.err($$SELECT encore.refresh_token_rotate(pg_temp.h('nope'), pg_temp.h('t5'), '30 days')$$) ->> 'code',
    'UNAUTHENTICATED', 'an unknown token: 401 UNAUTHENTICATED');
SELECT encore.refresh_token_issue(:ann, pg_temp.h('e1'), '1 second') IS NOT NULL AS ok \gset
UPDATE encore.refresh_tokens SET created_at = now() - interval '2 days', expires_at = now() - interval '1 day'
WHERE token_hash = pg_temp.h('e1');
SELECT is(pg_temp.err($$SELECT encore.refresh_token_rotate(pg_temp.h('e1'), pg_temp.h('e2'), '30 days')$$) ->> 'state',
    'EN401', 'an expired token: 401');
SELECT encore.refresh_token_issue(:ann, pg_temp.h('l1'), '1 day') IS NOT NULL AS ok \gset
SELECT is(encore.refresh_token_revoke(pg_temp.h('l1')), '{"revoked": 1}'::jsonb, 'logout revokes the family');
SELECT is(pg_temp.err($$SELECT encore.refresh_token_rotate(pg_temp.h('l1'), pg_temp.h('l2'), '1 day')$$) ->> 'state',
    'EN401', 'a revoked token: 401');
SELECT is(encore.refresh_token_revoke(pg_temp.h('unknown')), '{"revoked": 0}'::jsonb, 'revoking an unknown token is fine');

-- OAuth state.
SELECT lives_ok($$SELECT encore.oauth_state_create('state-0123456789abcdef', repeat('v', 43), '10 minutes')$$,
    'oauth_state_create');
SELECT is(encore.oauth_state_consume('state-0123456789abcdef'), jsonb_build_object('verifier', repeat('v', 43)),
    'consume: the verifier');
SELECT is(pg_temp.err($$SELECT encore.oauth_state_consume('state-0123456789abcdef')$$) ->> 'state', 'EN401',
    'consumed once only');
SELECT encore.oauth_state_create('state-expired-0123456', repeat('w', 43), '1 second') IS NOT NULL AS ok \gset
UPDATE encore.oauth_states SET created_at = now() - interval '1 hour', expires_at = now() - interval '1 minute'
WHERE state = 'state-expired-0123456';
SELECT is(pg_temp.err($$SELECT encore.oauth_state_consume('state-expired-0123456')$$) ->> 'state', 'EN401',
    'an expired state: 401');
SELECT is(pg_temp.err($$SELECT encore.oauth_state_create('short', 'v', '1 minute')$$) #> '{details,fields}',
    '{"state": "must be 16-256 characters", "verifier": "must be 43-128 characters (RFC 7636)"}'::jsonb,
    'a short state or verifier: 400');

SELECT * FROM finish();
ROLLBACK;
