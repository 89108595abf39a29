"""»Spørg en fagperson«: questions the bot could not answer, answered by experts in a channel."""
