/*
 * httpc.c: libcurl in a kore task thread.
 */
#include <sys/types.h>

#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include <kore/kore.h>
#include <kore/http.h>
#include <kore/tasks.h>

#include "httpc.h"

static int	httpc_task(struct kore_task *);

struct sink {
	struct httpc_response	*out;
	int			 overflow;
};

static size_t
httpc_write(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct sink	*s = arg;
	size_t		 len = size * nmemb;

	if (s->out->body_len + len >= HTTPC_RESP_MAX) {
		s->overflow = 1;
		return (0);
	}
	memcpy(s->out->body + s->out->body_len, ptr, len);
	s->out->body_len += len;
	s->out->body[s->out->body_len] = '\0';
	return (len);
}

/* Runs in a task thread: never touch kore state from here. */
static int
httpc_task(struct kore_task *t)
{
	struct httpc_request	 in;
	struct httpc_response	*out;

	if (kore_task_channel_read(t, &in, sizeof(in)) != sizeof(in))
		return (KORE_RESULT_ERROR);
	if ((out = calloc(1, sizeof(*out))) == NULL)
		return (KORE_RESULT_ERROR);
	httpc_perform(&in, out);
	kore_task_channel_write(t, out, sizeof(*out));
	free(out);
	return (KORE_RESULT_OK);
}

/* A blocking call: only ever from a task or background thread. */
void
httpc_perform(const struct httpc_request *inp, struct httpc_response *out)
{
	struct httpc_request	 in;
	struct curl_slist	*hdrs;
	struct sink		 sink;
	CURL			*c;
	CURLcode		 rc;
	long			 status;
	char			 line[1200];

	memcpy(&in, inp, sizeof(in));
	memset(out, 0, sizeof(*out));

	hdrs = NULL;
	hdrs = curl_slist_append(hdrs, "Accept: application/json");
	if (in.authorization[0] != '\0') {
		snprintf(line, sizeof(line), "Authorization: %s",
		    in.authorization);
		hdrs = curl_slist_append(hdrs, line);
	}
	if (in.idempotency_key[0] != '\0') {
		snprintf(line, sizeof(line), "Idempotency-Key: %s",
		    in.idempotency_key);
		hdrs = curl_slist_append(hdrs, line);
	}
	if (in.content_type[0] != '\0') {
		snprintf(line, sizeof(line), "Content-Type: %s",
		    in.content_type);
		hdrs = curl_slist_append(hdrs, line);
	}

	sink.out = out;
	sink.overflow = 0;
	c = curl_easy_init();
	curl_easy_setopt(c, CURLOPT_URL, in.url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)in.timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)(in.timeout_ms < 3000 ? in.timeout_ms : 3000));
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, httpc_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "encore/1");
	if (!strcmp(in.method, "POST")) {
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, in.body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)in.body_len);
	}

	rc = curl_easy_perform(c);
	if (rc == CURLE_OK) {
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		out->status = (int)status;
	} else {
		out->timed_out = (rc == CURLE_OPERATION_TIMEDOUT);
		snprintf(out->error, sizeof(out->error), "%s",
		    sink.overflow ? "response too large" :
		    curl_easy_strerror(rc));
	}
	curl_easy_cleanup(c);
	curl_slist_free_all(hdrs);
}

void
httpc_init(struct httpc_request *in, const char *method, const char *url,
    int timeout_ms)
{
	memset(in, 0, sizeof(*in));
	snprintf(in->method, sizeof(in->method), "%s", method);
	snprintf(in->url, sizeof(in->url), "%s", url);
	in->timeout_ms = timeout_ms;
}

int
httpc_start(struct http_request *req, struct httpc_call *call)
{
	httpc_cleanup(call);
	memset(&call->out, 0, sizeof(call->out));
	kore_task_create(&call->task, httpc_task);
	kore_task_bind_request(&call->task, req);
	kore_task_run(&call->task);
	kore_task_channel_write(&call->task, &call->in, sizeof(call->in));
	call->active = 1;
	return (HTTPC_WAIT);
}

int
httpc_poll(struct http_request *req, struct httpc_call *call)
{
	if (!call->active)
		return (HTTPC_DONE);
	if (kore_task_state(&call->task) != KORE_TASK_STATE_FINISHED) {
		http_request_sleep(req);
		return (HTTPC_WAIT);
	}
	if (kore_task_result(&call->task) != KORE_RESULT_OK ||
	    kore_task_channel_read(&call->task, &call->out,
	    sizeof(call->out)) != sizeof(call->out)) {
		memset(&call->out, 0, sizeof(call->out));
		snprintf(call->out.error, sizeof(call->out.error),
		    "the call did not complete");
	}
	httpc_cleanup(call);
	return (HTTPC_DONE);
}

/*
 * Only a finished task is destroyed here. A request freed while its task
 * still runs (the client went away) is kept by kore until the task ends,
 * and kore destroys the task itself then (its channel is closed: fds -1),
 * so such a task is only forgotten here. Destroying a running task would
 * free what its thread is still writing to.
 */
void
httpc_cleanup(struct httpc_call *call)
{
	if (call->active && call->task.fds[0] == -1) {
		call->active = 0;
		return;
	}
	if (call->active && kore_task_finished(&call->task)) {
		kore_task_destroy(&call->task);
		call->active = 0;
	}
}
