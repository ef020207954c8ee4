/*
 * The three pressure-controller drivers (pace, mensor-cpc, ppc4) against a
 * scripted controller (tests/helpers/script_peer.c): the replies are bytes
 * written here from docs/pressure-dialects.md, not produced by the
 * simulator or the parser under test.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cal/driver.h"
#include "cal/error.h"
#include "cal/units.h"
#include "script_peer.h"

static struct cal_device *open_dev(struct peer *p, const char *driver)
{
	const struct cal_driver *drv = cal_driver_find(driver);
	struct cal_device *dev = NULL;

	assert_non_null(drv);
	assert_int_equal(drv->dclass, CAL_DEV_PRESSURE);
	assert_int_equal(cal_dev_open_transport(&dev, drv, peer_transport(p), "ref1"), CAL_OK);
	assert_string_equal(p->mismatch, "");
	return dev;
}

static void finish(struct cal_device *dev, struct peer *p)
{
	assert_int_equal(p->pos, p->nsteps); /* every scripted command was sent */
	assert_string_equal(p->mismatch, "");
	cal_dev_close(dev);
	assert_int_equal(p->closed, 1);
	free(p);
}

/* ---- PACE ---------------------------------------------------------------- */

static struct peer *pace_peer(void)
{
	struct peer *p = peer_new();

	/* one old error left in the queue, then empty; the unit */
	peer_step(p, ":SYST:ERR?", ":SYST:ERR -113,\"Undefined header\"\r\n");
	peer_step(p, ":SYST:ERR?", ":SYST:ERR 0,\"No error\"\r\n");
	peer_step(p, ":UNIT:PRES?", ":UNIT:PRES BAR\r\n");
	return p;
}

static void test_pace_identify_read(void **state)
{
	struct peer *p = pace_peer();
	struct cal_dev_info info;
	struct cal_reading rd;
	struct cal_device *dev;

	(void)state;
	peer_step(p, "*IDN?", "*IDN GE Druck,PACE5000,3213201,02.00.07\r\n");
	peer_step(p, ":SENS:PRES:INL?", ":SENS:PRES:INL 6.0012, 1\r\n");
	/* a stray line before the answer is skipped, not taken for it */
	peer_step(p, ":SENS:PRES:INL?", ":SOUR:PRES 6.0000\r\n:SENS:PRES:INL 5.9874, 0\r\n");
	dev = open_dev(p, "pace");
	assert_int_equal(cal_dev_identify(&info, dev), CAL_OK);
	assert_string_equal(info.model, "GE Druck PACE5000");
	assert_string_equal(info.serial, "3213201");
	assert_string_equal(info.firmware, "02.00.07");

	assert_int_equal(cal_dev_read(&rd, dev, CAL_READ_NOW), CAL_OK);
	assert_true(rd.value == 6.0012);
	assert_int_equal(rd.unit, CAL_UNIT_BAR);
	assert_int_equal(rd.decimals, 4);
	assert_true(rd.value_si == 600120.0);
	assert_true(rd.flags & CAL_RD_STABLE);
	assert_string_equal(rd.raw, ":SENS:PRES:INL 6.0012, 1");

	assert_int_equal(cal_dev_read(&rd, dev, CAL_READ_NOW), CAL_OK);
	assert_true(rd.value == 5.9874);
	assert_false(rd.flags & CAL_RD_STABLE);
	/* SCPI over LF: no command ended in CR LF */
	assert_int_equal(p->crlf, 0);
	finish(dev, p);
}

static void test_pace_setpoint(void **state)
{
	struct peer *p = pace_peer();
	struct cal_device *dev;

	(void)state;
	/* 600 kPa -> the controller's bar */
	peer_step(p, ":SOUR:PRES 6", NULL);
	peer_step(p, ":SYST:ERR?", ":SYST:ERR 0,\"No error\"\r\n");
	peer_step(p, ":OUTP:STAT ON", NULL);
	peer_step(p, ":SYST:ERR?", ":SYST:ERR 0,\"No error\"\r\n");
	/* out of range: refused with -222, the queue drained */
	peer_step(p, ":SOUR:PRES 25", NULL);
	peer_step(p, ":SYST:ERR?", ":SYST:ERR -222,\"Data out of range\"\r\n");
	peer_step(p, ":SYST:ERR?", ":SYST:ERR 0,\"No error\"\r\n");
	peer_step(p, ":OUTP:STAT OFF", NULL);
	peer_step(p, ":SYST:ERR?", ":SYST:ERR 0,\"No error\"\r\n");
	peer_step(p, ":SOUR:PRES:LEV:IMM:AMPL:VENT 1", NULL);
	peer_step(p, ":SYST:ERR?", ":SYST:ERR 0,\"No error\"\r\n");
	dev = open_dev(p, "pace");
	assert_int_equal(cal_dev_set_setpoint(dev, 600, CAL_UNIT_KPA), CAL_OK);
	assert_int_equal(cal_dev_control(dev, true), CAL_OK);
	assert_int_equal(cal_dev_set_setpoint(dev, 25, CAL_UNIT_BAR), CAL_ERR_DEVICE);
	assert_non_null(strstr(cal_error_last(), "ref1: :SOUR:PRES 25 refused"));
	assert_non_null(strstr(cal_error_last(), "the setpoint 25 bar is outside its range"));
	assert_non_null(strstr(cal_error_last(), "-222"));
	assert_int_equal(cal_dev_control(dev, false), CAL_OK);
	assert_int_equal(cal_dev_vent(dev), CAL_OK);
	/* not a pressure unit; not a balance */
	assert_int_equal(cal_dev_set_setpoint(dev, 1, CAL_UNIT_KG), CAL_ERR_ARG);
	assert_int_equal(cal_dev_zero(dev), CAL_ERR_UNSUPPORTED);
	finish(dev, p);
}

static void test_pace_faults(void **state)
{
	struct peer *p = pace_peer();
	struct cal_reading rd;
	struct cal_device *dev;

	(void)state;
	/* garbled (a control byte), then silence, then a good answer: 3 attempts */
	peer_step(p, ":SENS:PRES:INL?", ":SENS:PRES:INL 6.0\x01, 1\r\n");
	peer_step(p, ":SENS:PRES:INL?", NULL);
	peer_step(p, ":SENS:PRES:INL?", ":SENS:PRES:INL 6.0001, 1\r\n");
	/* silence three times: a timeout naming the command */
	peer_step(p, ":SENS:PRES:INL?", NULL);
	peer_step(p, ":SENS:PRES:INL?", NULL);
	peer_step(p, ":SENS:PRES:INL?", NULL);
	/* a well-formed line with nonsense in it: final, no retry */
	peer_step(p, ":SENS:PRES:INL?", ":SENS:PRES:INL 6.0001, 7\r\n");
	dev = open_dev(p, "pace");
	assert_int_equal(cal_dev_read(&rd, dev, CAL_READ_NOW), CAL_OK);
	assert_true(rd.value == 6.0001);
	assert_int_equal(cal_dev_read(&rd, dev, CAL_READ_NOW), CAL_ERR_TIMEOUT);
	assert_non_null(strstr(cal_error_last(), "ref1: no answer to :SENS:PRES:INL?"));
	assert_non_null(strstr(cal_error_last(), "3 attempts"));
	assert_int_equal(cal_dev_read(&rd, dev, CAL_READ_NOW), CAL_ERR_PROTO);
	assert_non_null(strstr(cal_error_last(), "expected pressure, 0|1"));
	finish(dev, p);
}

static void test_pace_unknown_unit(void **state)
{
	const struct cal_driver *drv = cal_driver_find("pace");
	struct peer *p = peer_new();
	struct cal_device *dev = NULL;

	(void)state;
	peer_step(p, ":SYST:ERR?", ":SYST:ERR 0,\"No error\"\r\n");
	peer_step(p, ":UNIT:PRES?", ":UNIT:PRES FURLONG\r\n");
	assert_int_equal(cal_dev_open_transport(&dev, drv, peer_transport(p), "ref1"),
			 CAL_ERR_PROTO);
	assert_null(dev);
	assert_non_null(strstr(cal_error_last(), "unknown pressure unit"));
	assert_int_equal(p->closed, 1);
	free(p);
}

/* ---- Mensor -------------------------------------------------------------- */

static struct peer *mensor_peer(void)
{
	struct peer *p = peer_new();

	peer_step(p, "Error?", " 0,No error\r\n");
	/* a late answer to an earlier Error? comes first: skipped */
	peer_step(p, "Units?", " 0,No error\r\n bar\r\n");
	return p;
}

static void test_mensor(void **state)
{
	struct peer *p = mensor_peer();
	struct cal_dev_info info;
	struct cal_reading rd;
	struct cal_device *dev;

	(void)state;
	peer_step(p, "*IDN?", " MENSOR, CPC6050,610189,1.5.0\r\n");
	peer_step(p, "Stable?", " YES\r\n");
	/* a late " YES" before the pressure is skipped, not taken for it */
	peer_step(p, "A?", " YES\r\n +1.00012E+01\r\n");
	/* 'E' lead: an error is queued (not ours): drained, reading kept */
	peer_step(p, "Stable?", "E NO\r\n");
	peer_step(p, "Error?", "E3,Syntax error\r\n");
	peer_step(p, "Error?", " 0,No error\r\n");
	peer_step(p, "A?", " +9.87650E+00\r\n");
	/* setpoint out of range */
	peer_step(p, "Setpt 25", NULL);
	peer_step(p, "Error?", " 2,Data out of range\r\n");
	peer_step(p, "Error?", " 0,No error\r\n");
	peer_step(p, "Setpt 10", NULL);
	peer_step(p, "Error?", " 0,No error\r\n");
	peer_step(p, "Mode control", NULL);
	peer_step(p, "Error?", " 0,No error\r\n");
	peer_step(p, "Mode vent", NULL);
	peer_step(p, "Error?", " 0,No error\r\n");
	dev = open_dev(p, "mensor-cpc");
	assert_int_equal(cal_dev_identify(&info, dev), CAL_OK);
	assert_string_equal(info.model, "MENSOR CPC6050");
	assert_string_equal(info.serial, "610189");
	assert_int_equal(cal_dev_read(&rd, dev, CAL_READ_NOW), CAL_OK);
	assert_true(fabs(rd.value - 10.0012) < 1e-12);
	assert_int_equal(rd.decimals, 4);
	assert_int_equal(rd.unit, CAL_UNIT_BAR);
	assert_true(rd.flags & CAL_RD_STABLE);
	assert_string_equal(rd.raw, " +1.00012E+01");
	assert_int_equal(cal_dev_read(&rd, dev, CAL_READ_NOW), CAL_OK);
	assert_true(rd.value == 9.8765);
	assert_false(rd.flags & CAL_RD_STABLE);
	assert_int_equal(cal_dev_set_setpoint(dev, 25, CAL_UNIT_BAR), CAL_ERR_DEVICE);
	assert_non_null(strstr(cal_error_last(), "Setpt 25 refused by the controller: the setpoint "
						 "25 bar is not accepted (Mensor error 2"));
	assert_non_null(strstr(cal_error_last(), "Data out of range"));
	assert_int_equal(cal_dev_set_setpoint(dev, 1, CAL_UNIT_MPA), CAL_OK);
	assert_int_equal(cal_dev_control(dev, true), CAL_OK);
	assert_int_equal(cal_dev_vent(dev), CAL_OK);
	/* Mensor takes CR LF */
	assert_int_equal(p->crlf, p->commands);
	finish(dev, p);
}

/* ---- PPC4 ---------------------------------------------------------------- */

static struct peer *ppc4_peer(void)
{
	struct peer *p = peer_new();

	peer_step(p, "UNIT?", "kPa\r\n");
	/* a late "kPa" (UNIT? answered twice after a retry) is not the mode */
	peer_step(p, "MMODE?", "kPa\r\nG\r\n");
	return p;
}

static void test_ppc4(void **state)
{
	struct peer *p = ppc4_peer();
	struct cal_dev_info info;
	struct cal_reading rd;
	struct cal_device *dev;

	(void)state;
	peer_step(p, "*IDN?",
		  "DH INSTRUMENTS INC, PPC4, 123,100951,63041, Ver1.00E, 1.00a,1.00a\r\n");
	/* a late echo of an earlier PS is skipped */
	peer_step(p, "PRR?", "600.000 kPag\r\nR,2306.265 kPag,0.011 kPa/s,97.000 kPaa\r\n");
	peer_step(p, "PRR?", "NR,1999.8 kPag,12.500 kPa/s,97.000 kPaa\r\n");
	peer_step(p, "PS 600", "600.000 kPag\r\n");
	peer_step(p, "PS 9000", "ERR# 6\r\n");
	peer_step(p, "ABORT", "ABORT\r\n");
	peer_step(p, "VENT", "VENT\r\n");
	peer_step(p, "PRR?", "ERR# 9\r\n");
	dev = open_dev(p, "ppc4");
	assert_string_equal(dev->drv->default_serial, "2400/7E1");
	assert_int_equal(cal_dev_identify(&info, dev), CAL_OK);
	assert_string_equal(info.model, "DH INSTRUMENTS INC PPC4");
	assert_string_equal(info.serial, "100951");
	assert_string_equal(info.firmware, "Ver1.00E");
	assert_int_equal(cal_dev_read(&rd, dev, CAL_READ_NOW), CAL_OK);
	assert_true(rd.value == 2306.265);
	assert_int_equal(rd.unit, CAL_UNIT_KPA);
	assert_int_equal(rd.decimals, 3);
	assert_true(rd.value_si == 2306265.0);
	assert_true(rd.flags & CAL_RD_STABLE);
	assert_int_equal(cal_dev_read(&rd, dev, CAL_READ_NOW), CAL_OK);
	assert_true(rd.value == 1999.8);
	assert_int_equal(rd.decimals, 1);
	assert_false(rd.flags & CAL_RD_STABLE);
	assert_int_equal(cal_dev_set_setpoint(dev, 6, CAL_UNIT_BAR), CAL_OK);
	assert_int_equal(cal_dev_set_setpoint(dev, 9, CAL_UNIT_MPA), CAL_ERR_DEVICE);
	assert_non_null(strstr(cal_error_last(), "PS 9000 refused by the controller"));
	assert_non_null(strstr(cal_error_last(), "the setpoint 9000 kPa is not accepted (ERR# 6, "
						 "numeric argument missing or out of range)"));
	assert_int_equal(cal_dev_control(dev, true), CAL_OK); /* nothing sent */
	assert_int_equal(cal_dev_control(dev, false), CAL_OK);
	assert_int_equal(cal_dev_vent(dev), CAL_OK);
	assert_int_equal(cal_dev_read(&rd, dev, CAL_READ_NOW), CAL_ERR_DEVICE);
	assert_non_null(strstr(cal_error_last(), "unknown command"));
	assert_string_equal(rd.raw, "ERR# 9");
	finish(dev, p);
}

static void test_registry(void **state)
{
	size_t n = 0;
	const struct cal_driver *const *all = cal_driver_list(&n);
	int pressure = 0;

	(void)state;
	for (size_t i = 0; i < n; i++)
		pressure += all[i]->dclass == CAL_DEV_PRESSURE;
	assert_int_equal(pressure, 3);
	assert_string_equal(cal_driver_find("mensor-cpc")->default_serial, "9600/8N1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pace_identify_read),
		cmocka_unit_test(test_pace_setpoint),
		cmocka_unit_test(test_pace_faults),
		cmocka_unit_test(test_pace_unknown_unit),
		cmocka_unit_test(test_mensor),
		cmocka_unit_test(test_ppc4),
		cmocka_unit_test(test_registry),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
