// The staff console: pages for people signed in as themselves (api/sign-in.ts). Each page checks the role
// the route table (api/openapi.ts ROUTES) gives it, as the API's routes do.
import { type RequestHandler, type Response, Router } from 'express';
import { z } from 'zod';
import type { Role } from '../../infra/config';
import type { Db } from '../../infra/db';
import { HttpError, parse } from '../errors';
import { type SignedIn, staffActor } from '../sign-in';
import { addStaff, changeRole, deactivate, listStaff, staffSchema } from '../staff';
import { type StaffForm, staffFormErrors, staffPage } from '../views/staff';
import { formText } from '../views/forms';
import { sendPage } from '../views/layout';

/**
 * A console page for these roles: someone not signed in is sent to sign in (and back here after); someone
 * signed in without the role is refused.
 */
export function requireStaff(...roles: Role[]): RequestHandler {
  return (req, res, next) => {
    if (!req.staff) {
      res.redirect(303, `/sign-in?returnTo=${encodeURIComponent(req.originalUrl)}`);
      return;
    }
    if (!roles.includes(req.staff.role)) {
      return next(new HttpError(403, 'forbidden', `This page is for the role ${roles.join(' or ')}.`));
    }
    next();
  };
}

export const EVERYONE: Role[] = ['business_unit', 'manager', 'lis'];

export function consoleRouter({ db }: { db: Db }): Router {
  const router = Router();

  const showStaff = async (res: Response, status: number, staff: SignedIn | undefined, form?: StaffForm) =>
    sendPage(res, status, staffPage({ staff: staff!, people: await listStaff(db), form }));

  router.get('/staff', requireStaff('business_unit'), async (req, res) => {
    await showStaff(res, 200, req.staff);
  });

  router.post('/staff', requireStaff('business_unit'), async (req, res) => {
    const posted = req.body as Record<string, unknown>;
    const by = staffActor(req.staff!);
    const action = posted.action;
    if (action === 'add') {
      const form = {
        email: formText(posted.email) ?? '',
        name: formText(posted.name) ?? '',
        role: formText(posted.role) ?? '',
      };
      const parsed = staffSchema.safeParse(form);
      if (!parsed.success) {
        await showStaff(res, 400, req.staff, { ...form, errors: staffFormErrors(parsed.error.issues) });
        return;
      }
      try {
        await addStaff(db, by, parsed.data);
      } catch (err) {
        if (!(err instanceof HttpError) || err.status !== 409) throw err;
        await showStaff(res, 409, req.staff, { ...form, errors: [{ id: 'email', text: err.message }] });
        return;
      }
    } else if (action === 'role') {
      const { staffId, role } = parse(z.object({ staffId: z.uuid(), role: staffSchema.shape.role }), posted);
      await changeRole(db, by, staffId, role);
    } else if (action === 'deactivate') {
      await deactivate(db, by, parse(z.object({ staffId: z.uuid() }), posted).staffId);
    } else {
      throw new HttpError(400, 'validation_failed', 'Choose what to do: add, role or deactivate.');
    }
    res.redirect(303, '/staff');
  });

  return router;
}
