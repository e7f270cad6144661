/** Traditional nursery rhymes (public domain): the character language model's training text. */
export const RHYMES = `Jack and Jill went up the hill
To fetch a pail of water.
Jack fell down and broke his crown,
And Jill came tumbling after.

Humpty Dumpty sat on a wall,
Humpty Dumpty had a great fall.
All the king's horses and all the king's men
Couldn't put Humpty together again.

Mary had a little lamb,
Its fleece was white as snow;
And everywhere that Mary went,
The lamb was sure to go.

Twinkle, twinkle, little star,
How I wonder what you are!
Up above the world so high,
Like a diamond in the sky.

Baa, baa, black sheep,
Have you any wool?
Yes sir, yes sir,
Three bags full.
One for the master,
And one for the dame,
And one for the little boy
Who lives down the lane.

Hey diddle diddle,
The cat and the fiddle,
The cow jumped over the moon.
The little dog laughed
To see such sport,
And the dish ran away with the spoon.

Little Bo Peep has lost her sheep,
And doesn't know where to find them.
Leave them alone, and they'll come home,
Wagging their tails behind them.

Jack be nimble,
Jack be quick,
Jack jump over
The candlestick.

Hickory, dickory, dock,
The mouse ran up the clock.
The clock struck one,
The mouse ran down,
Hickory, dickory, dock.

Little Miss Muffet
Sat on a tuffet,
Eating her curds and whey;
Along came a spider,
Who sat down beside her
And frightened Miss Muffet away.

Old Mother Hubbard
Went to the cupboard,
To fetch her poor dog a bone;
But when she came there
The cupboard was bare,
And so the poor dog had none.

Little Jack Horner
Sat in the corner,
Eating a Christmas pie;
He put in his thumb,
And pulled out a plum,
And said, What a good boy am I!

Rain, rain, go away,
Come again another day.
Little Johnny wants to play.

Pat-a-cake, pat-a-cake, baker's man,
Bake me a cake as fast as you can.
Pat it and prick it and mark it with B,
And put it in the oven for baby and me.
`;
