/**
 * Password hashing (argon2id) and one-time passwords.
 *
 *   const result = await hashPassword('correct horse battery');
 *   if (!result.ok) return result.error; // { code: 'password-too-short', message }
 *   await verifyPassword(result.hash, 'correct horse battery'); // true
 */
import { hash, verify, type Algorithm } from '@node-rs/argon2';
import { randomInt } from 'node:crypto';

export const MIN_PASSWORD_LENGTH = 10;
/** Argon2 takes any length, but nobody types 1,000 characters; a cap keeps hashing cheap. */
export const MAX_PASSWORD_LENGTH = 1000;

/** `Algorithm.Argon2id`; the package declares its enums `const`, which erasable-only TypeScript cannot read. */
const ARGON2ID: Algorithm = 2;

/** Argon2id with the OWASP minimum (19 MiB, 2 passes, 1 lane), spelled out so a library default change cannot weaken it. */
const ARGON2_OPTIONS = {
  algorithm: ARGON2ID,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

/** No 0/O/o, 1/l/I, so a password read aloud or copied by hand survives. */
const UNAMBIGUOUS_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz';
const GENERATED_PASSWORD_LENGTH = 20;

export const PASSWORD_ERROR_CODES = ['password-too-short', 'password-too-long'] as const;
export type PasswordErrorCode = (typeof PASSWORD_ERROR_CODES)[number];
export interface PasswordError {
  readonly code: PasswordErrorCode;
  readonly message: string;
}

export type HashPasswordResult = { readonly ok: true; readonly hash: string } | { readonly ok: false; readonly error: PasswordError };

/** Length in characters as a person counts them (code points, not UTF-16 units). */
function characterCount(plain: string): number {
  let count = 0;
  for (const _ of plain) count++;
  return count;
}

/** The password policy on its own, for forms that want to check before submitting. */
export function checkPassword(plain: string): PasswordError | null {
  const length = characterCount(plain);
  if (length < MIN_PASSWORD_LENGTH) {
    return { code: 'password-too-short', message: `A password needs at least ${MIN_PASSWORD_LENGTH} characters.` };
  }
  if (length > MAX_PASSWORD_LENGTH) {
    return { code: 'password-too-long', message: `A password can have at most ${MAX_PASSWORD_LENGTH} characters.` };
  }
  return null;
}

export async function hashPassword(plain: string): Promise<HashPasswordResult> {
  const error = checkPassword(plain);
  if (error) return { ok: false, error };
  return { ok: true, hash: await hash(plain, ARGON2_OPTIONS) };
}

/** False for a wrong password, an over-long one, or a stored hash that does not parse. */
export async function verifyPassword(passwordHash: string, plain: string): Promise<boolean> {
  if (characterCount(plain) > MAX_PASSWORD_LENGTH) return false;
  try {
    return await verify(passwordHash, plain);
  } catch {
    return false;
  }
}

/** A random one-time password: 20 characters, ~116 bits, unbiased (`randomInt` rejects out-of-range draws). */
export function generatePassword(): string {
  let password = '';
  for (let i = 0; i < GENERATED_PASSWORD_LENGTH; i++) {
    password += UNAMBIGUOUS_ALPHABET[randomInt(UNAMBIGUOUS_ALPHABET.length)];
  }
  return password;
}

let dummyHash: Promise<string> | null = null;

/**
 * A hash of a password nobody knows, made with the same parameters as real ones. Sign-in verifies
 * against it when the email is unknown, so the response time does not reveal which emails exist.
 */
export function getDummyPasswordHash(): Promise<string> {
  dummyHash ??= hash(generatePassword(), ARGON2_OPTIONS);
  return dummyHash;
}
