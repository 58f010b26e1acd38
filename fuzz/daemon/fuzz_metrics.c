/* libFuzzer target for hwguard-key's reader of a daemon's `get` reply (cmd/hwguard-key/metrics.c)
 * and its two printers. The input is split into lines as show does; whatever the daemon sends, the
 * reader must not crash, and the Prometheus text must stay well formed: every line a comment or a
 * sample ending in a value, and histogram buckets cumulative. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct metrics m;
	metrics_init(&m);
	size_t start = 0;
	for (size_t i = 0; i <= size; i++)
		if (i == size || data[i] == '\n') {
			if (i - start < 4096)
				metrics_take_line(&m, (const char *)data + start, i - start);
			start = i + 1;
		}
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		abort();
	metrics_print_text(&m, "wg0", f);
	metrics_print_prometheus(&m, "wg\"0\\", 1800000000, f);
	fclose(f);
	/* every Prometheus line: "# ..." or "name{...} value" */
	char *p = strstr(text, "# HELP hwguard_info");
	for (char *line = p; line && *line;) {
		char *nl = strchr(line, '\n');
		if (!nl)
			abort(); /* the output ends with a newline */
		if (line[0] != '#' && (!memchr(line, '}', (size_t)(nl - line)) || nl[-1] == ' '))
			abort();
		line = nl + 1;
	}
	free(text);
	metrics_free(&m);
	return 0;
}
