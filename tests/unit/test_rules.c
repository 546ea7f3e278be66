/*
 * engine/rules: the rule language, its errors, and every shipped rule
 * against a positive and a near-miss negative.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "wcscan/rules.h"

struct hits {
	char ids[2048];
	unsigned n;
};

static int
collect(const struct wcs_rule_info *rule, const struct wcs_event *ev,
    const char *detail, void *arg)
{
	struct hits *h = arg;

	(void)ev;
	(void)detail;
	strcat(h->ids, rule->id);
	strcat(h->ids, " ");
	h->n++;
	return (WCS_OK);
}

static struct wcs_rules *
shipped_rules(struct wcs_ctx *ctx)
{
	struct wcs_rules *rules;

	wcs_ctx_init(ctx, NULL);
	rules = wcs_rules_new(ctx);
	assert_non_null(rules);
	if (wcs_rules_load_dir(rules, WCSCAN_RULES_SRC_DIR) != WCS_OK)
		fail_msg("%s", wcs_error_string(ctx));
	return (rules);
}

/* One case: an event of a kind with one field set. */
struct rcase {
	const char *rule; /* expected to fire, or NULL: nothing fires */
	enum wcs_event_kind kind;
	const char *field;
	const char *value;
	uint16_t dport;
};

static const struct rcase cases[] = {
	/* kill switch: label boundaries, www., trailing dot, case */
	{ "wannacry.killswitch.original", WCS_EV_DNS, "qname",
	    "www.iuqerfsodp9ifjaposdfjhgosurijfaewrwergwea.com", 0 },
	{ "wannacry.killswitch.original", WCS_EV_DNS, "qname",
	    "IUQERFSODP9IFJAPOSDFJHGOSURIJFAEWRWERGWEA.COM.", 0 },
	{ NULL, WCS_EV_DNS, "qname",
	    "xiuqerfsodp9ifjaposdfjhgosurijfaewrwergwea.com", 0 },
	{ NULL, WCS_EV_DNS, "qname",
	    "iuqerfsodp9ifjaposdfjhgosurijfaewrwergwea.com.evil.net", 0 },
	{ "wannacry.killswitch.variant-iff", WCS_EV_DNS, "qname",
	    "www.ifferfsodp9ifjaposdfjhgosurijfaewrwergwea.testing", 0 },
	{ NULL, WCS_EV_DNS, "qname",
	    "ifferfsodp9ifjaposdfjhgosurijfaewrwergwea.org", 0 },
	{ "wannacry.killswitch.variant-iuqss", WCS_EV_DNS, "qname",
	    "iuqssfsodp9ifjaposdfjhgosurijfaewrwergwea.com", 0 },
	{ "wannacry.killswitch.variant-ayylmao", WCS_EV_DNS, "qname",
	    "www.ayylmaotjhsstasdfasdfasdfasdfasdfasdfasdf.com", 0 },
	{ NULL, WCS_EV_DNS, "qname", "ayylmao.com", 0 },
	/* services */
	{ "wannacry.service.mssecsvc", WCS_EV_SERVICE, "name",
	    "Microsoft Security Center (2.0) Service", 0 },
	{ "wannacry.service.mssecsvc", WCS_EV_SERVICE, "name", "mssecsvc2.0",
	    0 },
	{ NULL, WCS_EV_SERVICE, "name", "Microsoft Security Center Service",
	    0 },
	{ "wannacry.service.mssecsvc-image", WCS_EV_SERVICE, "image",
	    "C:\\WINDOWS\\mssecsvc.exe -m security", 0 },
	{ NULL, WCS_EV_SERVICE, "image", "C:\\WINDOWS\\mssecsvc.exe.bak", 0 },
	{ "wannacry.service.tasksche", WCS_EV_SERVICE, "image",
	    "cmd.exe /c \"C:\\ProgramData\\abcxyz\\tasksche.exe\"", 0 },
	{ NULL, WCS_EV_SERVICE, "image",
	    "C:\\Windows\\System32\\TaskSchedulerHelper.exe", 0 },
	/* processes */
	{ "wannacry.process.mssecsvc", WCS_EV_PROCESS, "image",
	    "C:\\Windows\\mssecsvc.exe", 0 },
	{ "wannacry.process.tasksche", WCS_EV_PROCESS, "image",
	    "C:\\ProgramData\\qwe\\TASKSCHE.EXE", 0 },
	{ NULL, WCS_EV_PROCESS, "image",
	    "C:\\Windows\\System32\\TaskScheduler.exe", 0 },
	{ NULL, WCS_EV_PROCESS, "image", "C:\\tools\\mytasksche.exe", 0 },
	{ "wannacry.process.tasksche", WCS_EV_PROCESS, "parent",
	    "C:\\ProgramData\\qwe\\tasksche.exe", 0 },
	{ "wannacry.process.taskdl", WCS_EV_PROCESS, "image",
	    "C:\\ProgramData\\qwe\\taskdl.exe", 0 },
	{ NULL, WCS_EV_PROCESS, "image", "C:\\x\\taskdl.exe.config", 0 },
	{ "wannacry.process.taskse", WCS_EV_PROCESS, "image",
	    "C:\\ProgramData\\qwe\\taskse.exe", 0 },
	{ "wannacry.process.taskhsvc", WCS_EV_PROCESS, "image",
	    "C:\\ProgramData\\qwe\\TaskData\\Tor\\taskhsvc.exe", 0 },
	{ NULL, WCS_EV_PROCESS, "image", "C:\\Windows\\System32\\taskhostw.exe",
	    0 },
	{ "wannacry.process.decryptor", WCS_EV_PROCESS, "image",
	    "C:\\Users\\a\\Desktop\\@WanaDecryptor@.exe", 0 },
	{ NULL, WCS_EV_PROCESS, "image", "C:\\Users\\a\\WanaDecryptor.exe", 0 },
	{ "wannacry.process.other-names", WCS_EV_PROCESS, "image",
	    "C:\\Users\\a\\Downloads\\wannacry.exe", 0 },
	{ NULL, WCS_EV_PROCESS, "image", "C:\\tools\\wannacry-scanner.exe", 0 },
	{ "wannacry.cmd.attrib-hide", WCS_EV_PROCESS, "cmdline", "attrib +h .",
	    0 },
	{ NULL, WCS_EV_PROCESS, "cmdline", "attrib +h secret.txt", 0 },
	{ "wannacry.cmd.icacls-everyone", WCS_EV_PROCESS, "cmdline",
	    "icacls . /grant Everyone:F /T /C /Q", 0 },
	{ NULL, WCS_EV_PROCESS, "cmdline", "icacls C:\\share /grant Everyone:R",
	    0 },
	{ "wannacry.cmd.cscript-mvbs", WCS_EV_PROCESS, "cmdline",
	    "cscript.exe  //nologo m.vbs", 0 },
	{ NULL, WCS_EV_PROCESS, "cmdline", "cscript.exe //nologo backup.vbs",
	    0 },
	{ "wannacry.cmd.tasksche-install", WCS_EV_PROCESS, "cmdline",
	    "\"C:\\ProgramData\\x\\tasksche.exe\" /i", 0 },
	{ NULL, WCS_EV_PROCESS, "cmdline", "setup.exe /i tasksche.msi", 0 },
	{ "wannacry.cmd.vssadmin-delete", WCS_EV_PROCESS, "cmdline",
	    "cmd.exe /c vssadmin delete shadows /all /quiet & wmic shadowcopy "
	    "delete",
	    0 },
	{ NULL, WCS_EV_PROCESS, "cmdline", "vssadmin list shadows", 0 },
	{ "wannacry.cmd.wmic-shadowcopy", WCS_EV_PROCESS, "cmdline",
	    "WMIC.exe shadowcopy delete", 0 },
	{ NULL, WCS_EV_PROCESS, "cmdline", "wmic shadowcopy list", 0 },
	{ "wannacry.cmd.bcdedit-bootstatus", WCS_EV_PROCESS, "cmdline",
	    "bcdedit /set {default} bootstatuspolicy ignoreallfailures", 0 },
	{ "wannacry.cmd.bcdedit-recovery", WCS_EV_PROCESS, "cmdline",
	    "bcdedit.exe /set {default} recoveryenabled No", 0 },
	{ NULL, WCS_EV_PROCESS, "cmdline", "bcdedit /enum {default}", 0 },
	{ "wannacry.cmd.wbadmin-catalog", WCS_EV_PROCESS, "cmdline",
	    "wbadmin delete catalog -quiet", 0 },
	{ NULL, WCS_EV_PROCESS, "cmdline", "wbadmin get versions", 0 },
	/* files */
	{ "wannacry.file.wncry", WCS_EV_FILE, "target",
	    "C:\\Users\\a\\Documents\\budget.xlsx.WNCRY", 0 },
	{ "wannacry.file.wncry", WCS_EV_FILE, "target",
	    "C:\\Users\\a\\Documents\\~SD1A2B.tmp.WNCRYT", 0 },
	{ NULL, WCS_EV_FILE, "target", "C:\\Users\\a\\Documents\\WNCRY.txt",
	    0 },
	{ "wannacry.file.readme", WCS_EV_FILE, "target",
	    "C:\\Users\\a\\Desktop\\@Please_Read_Me@.txt", 0 },
	{ "wannacry.file.readme", WCS_EV_PROCESS, "cmdline",
	    "notepad.exe @Please_Read_Me@.txt", 0 },
	{ NULL, WCS_EV_FILE, "target", "C:\\Users\\a\\Please_Read_Me.txt", 0 },
	{ "wannacry.file.decryptor", WCS_EV_FILE, "target",
	    "C:\\Users\\a\\Desktop\\@WanaDecryptor@.exe", 0 },
	{ "wannacry.file.wnry", WCS_EV_FILE, "target",
	    "C:\\ProgramData\\qwe\\c.wnry", 0 },
	{ NULL, WCS_EV_FILE, "target", "C:\\ProgramData\\qwe\\abc.wnry", 0 },
	{ "wannacry.file.keys", WCS_EV_FILE, "target",
	    "C:\\ProgramData\\qwe\\00000000.pky", 0 },
	{ NULL, WCS_EV_FILE, "target", "C:\\data\\00000000.pkg", 0 },
	{ "wannacry.file.worm-exe", WCS_EV_FILE, "target",
	    "C:\\WINDOWS\\mssecsvc.exe", 0 },
	{ NULL, WCS_EV_FILE, "target", "C:\\WINDOWS\\tasks\\schedlgu.txt", 0 },
	{ "wannacry.file.dropped-exe", WCS_EV_FILE, "target",
	    "C:\\ProgramData\\qwe\\taskse.exe", 0 },
	{ NULL, WCS_EV_FILE, "target", "C:\\ProgramData\\qwe\\taskset.exe", 0 },
	/* network */
	{ "wannacry.conn.smb-from-mssecsvc", WCS_EV_CONN, "image",
	    "C:\\WINDOWS\\mssecsvc.exe", 445 },
	{ NULL, WCS_EV_CONN, "image", "System", 445 },
	{ NULL, WCS_EV_CONN, "image", "C:\\WINDOWS\\mssecsvc.exe", 80 },
	{ "wannacry.conn.tor", WCS_EV_CONN, "image",
	    "C:\\ProgramData\\qwe\\TaskData\\Tor\\taskhsvc.exe", 9001 },
	{ NULL, WCS_EV_CONN, "image", "C:\\Program Files\\Tor\\tor.exe", 9001 },
	/* a base64 blob containing wcry is not a WannaCry file */
	{ NULL, WCS_EV_PROCESS, "cmdline",
	    "powershell -enc d2NyeQB3Y3J5LnduY3J5ZmlsZQ==wcrywncry", 0 },
};

/*
 * Names written to slip past the rules: the worm's own names only for the
 * kill switch, and for every file and process rule the 8.3 short name, a
 * trailing dot or blanks and an NTFS stream suffix, each with near misses.
 */
static const struct rcase evasions[] = {
	/* kill switch: the names themselves, not longer ones */
	{ "wannacry.killswitch.original", WCS_EV_DNS, "qname",
	    "iuqerfsodp9ifjaposdfjhgosurijfaewrwergwea.com.", 0 },
	{ "wannacry.killswitch.original", WCS_EV_DNS, "qname",
	    "WWW.IuqerfSodp9ifjaposdfjhgosurijfaewrwergwea.Com", 0 },
	{ NULL, WCS_EV_DNS, "qname",
	    "x.www.iuqerfsodp9ifjaposdfjhgosurijfaewrwergwea.com", 0 },
	{ NULL, WCS_EV_DNS, "qname",
	    "mail.iuqerfsodp9ifjaposdfjhgosurijfaewrwergwea.com", 0 },
	{ NULL, WCS_EV_DNS, "qname",
	    "www.www.iuqerfsodp9ifjaposdfjhgosurijfaewrwergwea.com", 0 },
	{ NULL, WCS_EV_DNS, "qname",
	    "iuqerfsodp9ifjaposdfjhgosurijfaewrwergwea.com.evil.com", 0 },
	{ NULL, WCS_EV_DNS, "qname",
	    "aiuqerfsodp9ifjaposdfjhgosurijfaewrwergwea.com", 0 },
	{ "wannacry.killswitch.variant-iff", WCS_EV_DNS, "qname",
	    "ifferfsodp9ifjaposdfjhgosurijfaewrwergwea.test.", 0 },
	{ NULL, WCS_EV_DNS, "qname",
	    "x.ifferfsodp9ifjaposdfjhgosurijfaewrwergwea.com", 0 },
	{ NULL, WCS_EV_DNS, "qname",
	    "ifferfsodp9ifjaposdfjhgosurijfaewrwergwea.tester", 0 },
	{ "wannacry.killswitch.variant-iuqss", WCS_EV_DNS, "qname",
	    "WWW.IUQSSFSODP9IFJAPOSDFJHGOSURIJFAEWRWERGWEA.COM.", 0 },
	{ NULL, WCS_EV_DNS, "qname",
	    "cdn.iuqssfsodp9ifjaposdfjhgosurijfaewrwergwea.com", 0 },
	{ "wannacry.killswitch.variant-ayylmao", WCS_EV_DNS, "qname",
	    "ayylmaotjhsstasdfasdfasdfasdfasdfasdfasdf.com", 0 },
	{ NULL, WCS_EV_DNS, "qname",
	    "ayylmaotjhsstasdfasdfasdfasdfasdfasdfasdf.com.ayylmao.org", 0 },
	/* tasksche.exe as a process */
	{ "wannacry.process.tasksche", WCS_EV_PROCESS, "image",
	    "C:\\ProgramData\\qwe\\TASKSC~1.EXE", 0 },
	{ "wannacry.process.tasksche", WCS_EV_PROCESS, "image",
	    "C:\\ProgramData\\qwe\\tasksche.exe.", 0 },
	{ "wannacry.process.tasksche", WCS_EV_PROCESS, "image",
	    "C:\\ProgramData\\qwe\\tasksche.exe  ", 0 },
	{ "wannacry.process.tasksche", WCS_EV_PROCESS, "image",
	    "C:\\ProgramData\\qwe\\tasksche.exe. .", 0 },
	{ "wannacry.process.tasksche", WCS_EV_PROCESS, "parent",
	    "C:\\ProgramData\\qwe\\tasksche.exe::$DATA", 0 },
	{ NULL, WCS_EV_PROCESS, "image", "C:\\Windows\\TASKSCHD.EXE", 0 },
	{ NULL, WCS_EV_PROCESS, "image", "C:\\Windows\\TaskScheduler", 0 },
	{ NULL, WCS_EV_PROCESS, "image", "C:\\x\\TASKSC~1.EXEC", 0 },
	{ NULL, WCS_EV_PROCESS, "image", "C:\\x\\TASKSC~10.EXE", 0 },
	{ NULL, WCS_EV_PROCESS, "image", "C:\\x\\TASKS~1.EXE", 0 },
	{ NULL, WCS_EV_PROCESS, "image", "C:\\x\\tasksche.exe.bak", 0 },
	{ NULL, WCS_EV_PROCESS, "image", "C:\\x\\tasksche.exe.bak.", 0 },
	{ NULL, WCS_EV_PROCESS, "image", "C:\\x\\tasksche.exe_", 0 },
	/* a stream called tasksche.exe on another file is not the file */
	{ NULL, WCS_EV_PROCESS, "image", "C:\\x\\notes.txt:tasksche.exe", 0 },
	/* the other programs */
	{ "wannacry.process.mssecsvc", WCS_EV_PROCESS, "image",
	    "C:\\WINDOWS\\MSSECS~1.EXE", 0 },
	{ "wannacry.process.mssecsvc", WCS_EV_PROCESS, "image",
	    "C:\\WINDOWS\\mssecsvc.exe:Zone.Identifier", 0 },
	{ NULL, WCS_EV_PROCESS, "image", "C:\\WINDOWS\\MSSECS~1.EXE.bak", 0 },
	{ "wannacry.process.taskdl", WCS_EV_PROCESS, "image",
	    "C:\\ProgramData\\qwe\\taskdl.exe.", 0 },
	{ "wannacry.process.taskse", WCS_EV_PROCESS, "image",
	    "C:\\ProgramData\\qwe\\taskse.exe::$DATA", 0 },
	{ "wannacry.process.taskhsvc", WCS_EV_PROCESS, "image",
	    "C:\\ProgramData\\qwe\\TaskData\\Tor\\TASKHS~1.EXE", 0 },
	{ NULL, WCS_EV_PROCESS, "image", "C:\\Windows\\TASKHO~1.EXE", 0 },
	{ "wannacry.process.decryptor", WCS_EV_PROCESS, "image",
	    "C:\\Users\\a\\Desktop\\@WANAD~1.EXE", 0 },
	{ "wannacry.process.decryptor", WCS_EV_PROCESS, "parent",
	    "C:\\Users\\a\\Desktop\\@WanaDecryptor@.exe...", 0 },
	{ NULL, WCS_EV_PROCESS, "image", "C:\\Users\\a\\WANAD~1.EXE", 0 },
	{ "wannacry.process.other-names", WCS_EV_PROCESS, "image",
	    "C:\\Users\\a\\Downloads\\WANNAC~1.EXE", 0 },
	{ "wannacry.process.other-names", WCS_EV_PROCESS, "image",
	    "C:\\Users\\a\\Downloads\\lhdfrgui.exe:Zone.Identifier", 0 },
	{ NULL, WCS_EV_PROCESS, "image", "C:\\Users\\a\\WANNA~1.EXE", 0 },
	/* command lines */
	{ "wannacry.cmd.tasksche-install", WCS_EV_PROCESS, "cmdline",
	    "\"C:\\ProgramData\\x\\TASKSC~1.EXE\" /i", 0 },
	{ "wannacry.cmd.tasksche-install", WCS_EV_PROCESS, "cmdline",
	    "C:\\ProgramData\\x\\tasksche.exe. /i", 0 },
	{ "wannacry.cmd.tasksche-install", WCS_EV_PROCESS, "cmdline",
	    "\"C:\\ProgramData\\x\\tasksche.exe::$DATA\" /i", 0 },
	{ NULL, WCS_EV_PROCESS, "cmdline", "TASKSC~1.EXEC /i", 0 },
	{ "wannacry.file.readme", WCS_EV_PROCESS, "cmdline",
	    "notepad.exe @Please_Read_Me@.txt:Zone.Identifier", 0 },
	{ "wannacry.file.readme", WCS_EV_PROCESS, "cmdline",
	    "notepad.exe C:\\Users\\a\\Desktop\\@PLEAS~1.TXT", 0 },
	{ NULL, WCS_EV_PROCESS, "cmdline", "notepad.exe @PLEAS~1.TXTX", 0 },
	/* services */
	{ "wannacry.service.mssecsvc-image", WCS_EV_SERVICE, "image",
	    "C:\\WINDOWS\\mssecsvc.exe. -m security", 0 },
	{ "wannacry.service.mssecsvc-image", WCS_EV_SERVICE, "image",
	    "C:\\WINDOWS\\MSSECS~1.EXE -m security", 0 },
	{ "wannacry.service.tasksche", WCS_EV_SERVICE, "image",
	    "cmd.exe /c \"C:\\ProgramData\\abcxyz\\tasksche.exe.\"", 0 },
	{ "wannacry.service.tasksche", WCS_EV_SERVICE, "image",
	    "cmd.exe /c C:\\ProgramData\\abcxyz\\TASKSC~2.EXE", 0 },
	{ NULL, WCS_EV_SERVICE, "image",
	    "cmd.exe /c C:\\ProgramData\\abcxyz\\TASKSC~1.EXE.bak", 0 },
	/* files */
	{ "wannacry.file.readme", WCS_EV_FILE, "target",
	    "C:\\Users\\a\\Desktop\\@Please_Read_Me@.txt:Zone.Identifier", 0 },
	{ "wannacry.file.readme", WCS_EV_FILE, "target",
	    "C:\\Users\\a\\Desktop\\@PLEAS~1.TXT", 0 },
	{ "wannacry.file.readme", WCS_EV_FILE, "target",
	    "C:\\Users\\a\\Desktop\\@Please_Read_Me@.txt  ", 0 },
	{ NULL, WCS_EV_FILE, "target", "C:\\Users\\a\\@PLEAS~1.TXT.lnk", 0 },
	{ "wannacry.file.decryptor", WCS_EV_FILE, "target",
	    "C:\\Users\\a\\Desktop\\@WANAD~1.EXE", 0 },
	{ "wannacry.file.decryptor", WCS_EV_FILE, "target",
	    "C:\\Users\\a\\Desktop\\@WanaDecryptor@.exe::$DATA", 0 },
	{ "wannacry.file.wncry", WCS_EV_FILE, "target",
	    "C:\\Users\\a\\Documents\\budget.xlsx.WNCRY.", 0 },
	{ "wannacry.file.wncry", WCS_EV_FILE, "target",
	    "C:\\Users\\a\\Documents\\BUDGET~1.WNC", 0 },
	{ NULL, WCS_EV_FILE, "target", "C:\\Users\\a\\Documents\\BUDGET.WNC",
	    0 },
	{ "wannacry.file.wnry", WCS_EV_FILE, "target",
	    "C:\\ProgramData\\qwe\\R~1.WNR", 0 },
	{ "wannacry.file.wnry", WCS_EV_FILE, "target",
	    "C:\\ProgramData\\qwe\\c.wnry:Zone.Identifier", 0 },
	{ NULL, WCS_EV_FILE, "target", "C:\\ProgramData\\qwe\\RX~1.WNR", 0 },
	{ "wannacry.file.keys", WCS_EV_FILE, "target",
	    "C:\\ProgramData\\qwe\\00000000.pky.", 0 },
	{ "wannacry.file.keys", WCS_EV_FILE, "target",
	    "C:\\ProgramData\\qwe\\000000~1.EKY", 0 },
	{ NULL, WCS_EV_FILE, "target", "C:\\ProgramData\\qwe\\00000~1.EKY", 0 },
	{ "wannacry.file.worm-exe", WCS_EV_FILE, "target",
	    "C:\\WINDOWS\\mssecsvc.exe:Zone.Identifier", 0 },
	{ "wannacry.file.worm-exe", WCS_EV_FILE, "target",
	    "C:\\WINDOWS\\MSSECS~1.EXE", 0 },
	{ "wannacry.file.dropped-exe", WCS_EV_FILE, "target",
	    "C:\\ProgramData\\qwe\\TASKSC~1.EXE", 0 },
	{ "wannacry.file.dropped-exe", WCS_EV_FILE, "target",
	    "C:\\ProgramData\\qwe\\tasksche.exe::$DATA", 0 },
	{ "wannacry.file.dropped-exe", WCS_EV_FILE, "target",
	    "C:\\ProgramData\\qwe\\taskdl.exe . ", 0 },
	{ NULL, WCS_EV_FILE, "target", "C:\\ProgramData\\qwe\\TASKSC~1.EXEC",
	    0 },
	{ NULL, WCS_EV_FILE, "target", "C:\\Windows\\Tasks\\TASKSCHD.EXE", 0 },
	/* network */
	{ "wannacry.conn.smb-from-mssecsvc", WCS_EV_CONN, "image",
	    "C:\\WINDOWS\\MSSECS~1.EXE", 445 },
	{ "wannacry.conn.smb-from-mssecsvc", WCS_EV_CONN, "image",
	    "C:\\WINDOWS\\mssecsvc.exe.", 445 },
	{ "wannacry.conn.tor", WCS_EV_CONN, "image",
	    "C:\\ProgramData\\qwe\\TaskData\\Tor\\TASKHS~1.EXE", 9001 },
	{ NULL, WCS_EV_CONN, "image", "C:\\WINDOWS\\MSSECS~1.EXE", 80 },
};

static void
set_field(struct wcs_event *ev, const char *field, const char *value)
{
	if (strcmp(field, "qname") == 0)
		ev->qname = value;
	else if (strcmp(field, "name") == 0)
		ev->name = value;
	else if (strcmp(field, "image") == 0)
		ev->image = value;
	else if (strcmp(field, "parent") == 0)
		ev->parent = value;
	else if (strcmp(field, "cmdline") == 0)
		ev->cmdline = value;
	else if (strcmp(field, "target") == 0)
		ev->target = value;
	else
		fail_msg("test uses unknown field %s", field);
}

/* Each case hits its rule, or nothing when it names none. */
static void
run_cases(struct wcs_rules *rules, const struct rcase *cs, size_t n)
{
	struct wcs_event ev;
	struct hits h;
	size_t i;

	for (i = 0; i < n; i++) {
		wcs_event_clear(&ev);
		ev.kind = cs[i].kind;
		ev.dport = cs[i].dport;
		set_field(&ev, cs[i].field, cs[i].value);
		memset(&h, 0, sizeof(h));
		assert_int_equal(
		    wcs_rules_match(rules, &ev, collect, &h), WCS_OK);
		if (cs[i].rule == NULL) {
			if (h.n != 0)
				fail_msg("'%s' should match nothing, hit %s",
				    cs[i].value, h.ids);
			continue;
		}
		if (strstr(h.ids, cs[i].rule) == NULL)
			fail_msg("'%s' should hit %s, hit '%s'", cs[i].value,
			    cs[i].rule, h.ids);
	}
}

static void
test_every_rule_positive_and_negative(void **state)
{
	struct wcs_ctx ctx;
	struct wcs_rules *rules = shipped_rules(&ctx);
	size_t i, j;
	bool covered;

	(void)state;
	run_cases(rules, cases, WCS_NELEM(cases));
	/* Every shipped rule has at least one positive case here. */
	for (j = 0; j < wcs_rules_count(rules); j++) {
		covered = false;
		for (i = 0; i < WCS_NELEM(cases); i++) {
			if (cases[i].rule != NULL &&
			    strcmp(cases[i].rule,
				wcs_rules_info(rules, j)->id) == 0)
				covered = true;
		}
		if (!covered)
			fail_msg("rule %s has no test case",
			    wcs_rules_info(rules, j)->id);
	}
	wcs_rules_free(rules);
}

static void
test_evasions(void **state)
{
	struct wcs_ctx ctx;
	struct wcs_rules *rules = shipped_rules(&ctx);
	size_t i, j;
	bool covered;

	(void)state;
	run_cases(rules, evasions, WCS_NELEM(evasions));
	/* Every file and process rule met an evasion. */
	for (j = 0; j < wcs_rules_count(rules); j++) {
		const struct wcs_rule_info *ri = wcs_rules_info(rules, j);

		if (strncmp(ri->id, "wannacry.cmd.", 13) == 0 &&
		    strcmp(ri->id, "wannacry.cmd.tasksche-install") != 0)
			continue; /* command lines, not file names */
		if (strcmp(ri->id, "wannacry.service.mssecsvc") == 0)
			continue; /* a service name */
		covered = false;
		for (i = 0; i < WCS_NELEM(evasions); i++) {
			if (evasions[i].rule != NULL &&
			    strcmp(evasions[i].rule, ri->id) == 0)
				covered = true;
		}
		if (!covered)
			fail_msg("rule %s has no evasion case", ri->id);
	}
	wcs_rules_free(rules);
}

/*
 * The file sugar: a plain name also as its 8.3 short name, a wildcard one
 * not; and the resolving of names in site rules too.
 */
static void
test_file_short_names(void **state)
{
	struct wcs_ctx ctx;
	struct wcs_rules *rules;
	const char *r = "rule site.plain\n class startup\n field image\n"
			" file a+b c.exe\n"
			"rule site.glob\n class startup\n field image\n"
			" file invoice_*.exe\n"
			"rule site.anchored\n class startup\n field target\n"
			" pcre /\\\\payload\\.dll$/i\n";
	static const struct rcase cs[] = {
		{ "site.plain", WCS_EV_PROCESS, "image", "C:\\x\\a+b c.exe",
		    0 },
		/* blank dropped, + made _ */
		{ "site.plain", WCS_EV_PROCESS, "image", "C:\\x\\A_BC~3.EXE",
		    0 },
		{ NULL, WCS_EV_PROCESS, "image", "C:\\x\\ABC~3.EXE", 0 },
		{ "site.glob", WCS_EV_PROCESS, "image",
		    "C:\\x\\invoice_2024.exe", 0 },
		{ NULL, WCS_EV_PROCESS, "image", "C:\\x\\INVOIC~1.EXE", 0 },
		{ "site.anchored", WCS_EV_FILE, "target",
		    "C:\\x\\payload.dll:evil", 0 },
		{ "site.anchored", WCS_EV_FILE, "target",
		    "C:\\x\\payload.dll. ", 0 },
		{ NULL, WCS_EV_FILE, "target", "C:\\x\\payload.dll.mui", 0 },
	};

	(void)state;
	wcs_ctx_init(&ctx, NULL);
	rules = wcs_rules_new(&ctx);
	assert_non_null(rules);
	assert_int_equal(
	    wcs_rules_load_buffer(rules, "s.rules", r, strlen(r)), WCS_OK);
	run_cases(rules, cs, WCS_NELEM(cs));
	wcs_rules_free(rules);
}

static void
test_kind_filter(void **state)
{
	struct wcs_ctx ctx;
	struct wcs_rules *rules = shipped_rules(&ctx);
	struct wcs_event ev;
	struct hits h;

	(void)state;
	/* The kill-switch name in a process command line is not a lookup. */
	wcs_event_clear(&ev);
	ev.kind = WCS_EV_PROCESS;
	ev.qname = "iuqerfsodp9ifjaposdfjhgosurijfaewrwergwea.com";
	memset(&h, 0, sizeof(h));
	assert_int_equal(wcs_rules_match(rules, &ev, collect, &h), WCS_OK);
	assert_int_equal(h.n, 0);
	wcs_rules_free(rules);
}

static void
expect_error(const char *text, const char *needle)
{
	struct wcs_ctx ctx;
	struct wcs_rules *rules;

	wcs_ctx_init(&ctx, NULL);
	rules = wcs_rules_new(&ctx);
	assert_non_null(rules);
	assert_int_equal(
	    wcs_rules_load_buffer(rules, "t.rules", text, strlen(text)),
	    WCS_FAILED);
	if (strstr(wcs_error_string(&ctx), needle) == NULL)
		fail_msg(
		    "error '%s' lacks '%s'", wcs_error_string(&ctx), needle);
	/* Nothing of a bad file is kept. */
	assert_int_equal(wcs_rules_count(rules), 0);
	wcs_rules_free(rules);
}

static void
test_rule_errors(void **state)
{
	(void)state;
	expect_error("rule a\n class startup\n field image\n pcre /(ab/\n",
	    "t.rules:4: offset 3: missing closing parenthesis");
	expect_error("rule a\n class startup\n field image\n", "t.rules:3: "
							       "rule a has no "
							       "matcher");
	expect_error("field image\n", "t.rules:1: 'field' outside a rule");
	expect_error("rule a\n class nosuch\n", "t.rules:2: unknown class");
	expect_error("rule a\n class startup\n field nosuch\n",
	    "t.rules:3: unknown field 'nosuch'");
	expect_error("rule a b\n", "t.rules:1: bad rule id");
	expect_error("rule a\n class startup\n field image\n pcre /x/q\n",
	    "t.rules:4: unknown pcre flag");
	expect_error("rule a\n class startup\n field image\n file a/b\n",
	    "t.rules:4: file wants a bare file name");
	expect_error("rule a\n class lookup\n field qname\n port 70000\n",
	    "t.rules:4: bad port");
	expect_error("rule a\n class lookup\n event dns\n field qname\n "
		     "domain x.com\n pcre /y/\n",
	    "t.rules:6: rule has a second matcher");
	expect_error("rule ok\n class lookup\n field qname\n domain a.com\n"
		     "rule bad\n bogus 1\n",
	    "t.rules:6: unknown keyword 'bogus'");
}

static void
test_replace_by_id_and_dir(void **state)
{
	struct wcs_ctx ctx;
	struct wcs_rules *rules = shipped_rules(&ctx);
	const char *over = "rule wannacry.killswitch.original\n"
			   " class lookup\n field qname\n domain example.org\n"
			   "rule local.extra\n class startup\n field image\n"
			   " file evil.exe\n";
	size_t before = wcs_rules_count(rules), i;
	struct wcs_event ev;
	struct hits h;

	(void)state;
	assert_int_equal(
	    wcs_rules_load_buffer(rules, "local.rules", over, strlen(over)),
	    WCS_OK);
	assert_int_equal(wcs_rules_count(rules), before + 1);
	for (i = 0; i < wcs_rules_count(rules); i++) {
		if (strcmp(wcs_rules_info(rules, i)->id,
			"wannacry.killswitch.original") == 0)
			assert_string_equal(
			    wcs_rules_info(rules, i)->file, "local.rules");
	}
	wcs_event_clear(&ev);
	ev.kind = WCS_EV_DNS;
	ev.qname = "www.example.org";
	memset(&h, 0, sizeof(h));
	assert_int_equal(wcs_rules_match(rules, &ev, collect, &h), WCS_OK);
	assert_string_equal(h.ids, "wannacry.killswitch.original ");
	assert_int_equal(wcs_rules_load_dir(rules, "/nonexistent"), WCS_FAILED);
	wcs_rules_free(rules);
}

static void
test_hostile_subject_is_bounded(void **state)
{
	struct wcs_ctx ctx;
	struct wcs_rules *rules;
	const char *r = "rule slow\n class startup\n field cmdline\n"
			" pcre /^(a+)+$/\n";
	static char subject[20000];
	struct wcs_event ev;
	struct hits h;

	(void)state;
	wcs_ctx_init(&ctx, NULL);
	rules = wcs_rules_new(&ctx);
	assert_non_null(rules);
	assert_int_equal(
	    wcs_rules_load_buffer(rules, "s.rules", r, strlen(r)), WCS_OK);
	memset(subject, 'a', sizeof(subject) - 2);
	subject[sizeof(subject) - 2] = '!';
	wcs_event_clear(&ev);
	ev.kind = WCS_EV_PROCESS;
	ev.cmdline = subject;
	memset(&h, 0, sizeof(h));
	/* Catastrophic backtracking stops at the match limit: no hit. */
	assert_int_equal(wcs_rules_match(rules, &ev, collect, &h), WCS_OK);
	assert_int_equal(h.n, 0);
	wcs_rules_free(rules);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_rule_positive_and_negative),
		cmocka_unit_test(test_evasions),
		cmocka_unit_test(test_file_short_names),
		cmocka_unit_test(test_kind_filter),
		cmocka_unit_test(test_rule_errors),
		cmocka_unit_test(test_replace_by_id_and_dir),
		cmocka_unit_test(test_hostile_subject_is_bounded),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
