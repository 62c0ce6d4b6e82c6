import { SignJWT, jwtVerify } from 'jose';
import { IM_NUMBER_PATTERN } from '../conversion/addressing';
import { defaultName } from './names';

const ISSUER = 'imsms';
const AUDIENCE = 'imsms-client';
/** Tokens live 30 days from their issue time (seconds). */
const LIFETIME_SECONDS = 30 * 24 * 60 * 60;

export interface TokenClaims {
  imNumber: string;
  name: string;
}

const keyOf = (secret: string) => new TextEncoder().encode(secret);

/** Signs a session token (HS256 JWT) for a user. */
export async function signToken(secret: string, claims: TokenClaims, nowMs: number): Promise<string> {
  return (
    new SignJWT({ name: claims.name })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(claims.imNumber)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(Math.floor(nowMs / 1000))
      // Absolute, from the injected clock: jose reads a relative lifetime ('30d') off the wall clock.
      .setExpirationTime(Math.floor(nowMs / 1000) + LIFETIME_SECONDS)
      .sign(keyOf(secret))
  );
}

/** Verifies a token; null when it is missing, forged, tampered with or expired. */
export async function verifyToken(
  secret: string,
  token: unknown,
  nowMs: number,
): Promise<TokenClaims | null> {
  if (typeof token !== 'string' || token.length === 0 || token.length > 4096) return null;
  try {
    const { payload } = await jwtVerify(token, keyOf(secret), {
      issuer: ISSUER,
      audience: AUDIENCE,
      algorithms: ['HS256'],
      currentDate: new Date(nowMs),
    });
    if (typeof payload.sub !== 'string' || !IM_NUMBER_PATTERN.test(payload.sub)) return null;
    return {
      imNumber: payload.sub,
      name: typeof payload.name === 'string' ? payload.name : defaultName(payload.sub),
    };
  } catch {
    return null;
  }
}
