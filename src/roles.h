/*-------------------------------------------------------------------------
 *
 * roles.h
 *	  The standard columns' roles, and the types that can hold them: see
 *	  roles.c.
 *
 * IDENTIFICATION
 *	  src/roles.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef ASD_ROLES_H
#define ASD_ROLES_H

#include "audit_softdelete.h"

extern const char *const asd_role_names[ASD_NUM_ROLES];
extern bool asd_role_type_fits(AsdColumnRole role, Oid basetypid);

#endif							/* ASD_ROLES_H */
