"""Assessment and ranking (考核排名): unit targets, scores by each place's rules, and the Top ten projects."""
