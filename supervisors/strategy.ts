export type Strategy = 'one_for_one' | 'one_for_all' | 'rest_for_one';
