/*
 * Replays fuzz corpora without libFuzzer (after Suricata's onefile.c), so
 * every build runs the corpora under ctest: each argument is a file or a
 * directory of files, fed one at a time to LLVMFuzzerTestOneInput.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
run_file(const char *path)
{
	FILE *fp;
	uint8_t *buf;
	long n;
	size_t got;

	if ((fp = fopen(path, "rb")) == NULL) {
		perror(path);
		return (1);
	}
	if (fseek(fp, 0, SEEK_END) != 0 || (n = ftell(fp)) < 0 ||
	    fseek(fp, 0, SEEK_SET) != 0 ||
	    (buf = malloc((size_t)n + 1)) == NULL) {
		(void)fclose(fp);
		return (1);
	}
	got = fread(buf, 1, (size_t)n, fp);
	(void)fclose(fp);
	(void)LLVMFuzzerTestOneInput(buf, got);
	free(buf);
	return (0);
}

static int
run_path(const char *path, unsigned *count)
{
	struct dirent **ents;
	struct stat st;
	char child[4096];
	int i, n, rc = 0;

	if (stat(path, &st) != 0) {
		perror(path);
		return (1);
	}
	if (!S_ISDIR(st.st_mode)) {
		(*count)++;
		return (run_file(path));
	}
	if ((n = scandir(path, &ents, NULL, alphasort)) < 0) {
		perror(path);
		return (1);
	}
	for (i = 0; i < n; i++) {
		if (ents[i]->d_name[0] != '.') {
			(void)snprintf(child, sizeof(child), "%s/%s", path,
			    ents[i]->d_name);
			rc |= run_path(child, count);
		}
		free(ents[i]);
	}
	free(ents);
	return (rc);
}

int
main(int argc, char **argv)
{
	unsigned count = 0;
	int i, rc = 0;

	for (i = 1; i < argc; i++)
		rc |= run_path(argv[i], &count);
	printf("replayed %u inputs\n", count);
	return (rc);
}
