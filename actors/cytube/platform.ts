/** The platform name in subjects and normalised events. */
export const CYTUBE_PLATFORM = 'cytube';
