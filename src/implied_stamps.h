/*-------------------------------------------------------------------------
 *
 * implied_stamps.h
 *	  Stamp values an audit row implies: see implied_stamps.c.
 *
 * IDENTIFICATION
 *	  src/implied_stamps.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef ASD_IMPLIED_STAMPS_H
#define ASD_IMPLIED_STAMPS_H

#include "audit_softdelete.h"

extern bool asd_implied_stamps(AsdRelInfo *info, const bool *candidates,
							   Datum *values, bool *nulls, bool *implied);

#endif							/* ASD_IMPLIED_STAMPS_H */
