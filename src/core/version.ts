/** tunekit's version, written into every artifact (a test keeps it equal to package.json's). */
export const LIBRARY_VERSION = '0.1.0';
