/*-------------------------------------------------------------------------
 *
 * actor.h
 *	  Who is acting: see actor.c.
 *
 * IDENTIFICATION
 *	  src/actor.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef ASD_ACTOR_H
#define ASD_ACTOR_H

#include "audit_softdelete.h"
#include "utils/rel.h"

extern char *asd_current_actor(void);
extern char *asd_session_user_name(void);
extern Datum asd_actor_datum(const char *actor, AsdRoleColumn *col,
							 Relation rel);

#endif							/* ASD_ACTOR_H */
